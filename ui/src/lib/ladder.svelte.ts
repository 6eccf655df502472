// The escalation ladder of the open case: each rung with its status, the
// form open on one rung (mark the complaint sent, keep the answer, close
// it), the case file's correspondence, oldest first, and the exports
// (Markdown case file, .ics calendar of the deadlines). One instance per
// panel; the ladder itself is the backend's, reloaded with every check.

import type { AppState } from '$lib/app.svelte';
import type { Backend } from '$lib/backend';
import { toBoundaryError } from '$lib/backend';
import type { BoundaryError } from '$lib/bindings/BoundaryError';
import type { LadderView } from '$lib/bindings/LadderView';
import type { Lang } from '$lib/bindings/Lang';
import type { MessageRecord } from '$lib/bindings/MessageRecord';
import type { AudienceCode } from '$lib/labels';

/** The forms a rung offers. */
export type RungForm = 'sent' | 'reply' | 'close';

/** What the exports write. */
export type ExportKind = 'markdown' | 'ics';

/** What the ladder needs of the app: the open case, as of when, and the complaint's language. */
export type LadderApp = Pick<AppState, 'caseId' | 'asOf' | 'complaintLang' | 'report'>;

export class LadderState {
  /** The backend's ladder of the case, as last read or changed. */
  view = $state<LadderView | null>(null);
  error = $state<BoundaryError | null>(null);
  /** The rung whose form is open, and which form. */
  open = $state<{ audience: AudienceCode; form: RungForm } | null>(null);
  /** The form's date (`2026-11-21`) and text (the answer, or the closing note). */
  date = $state('');
  text = $state('');
  /** A reply's ticket number and promised day (YYYY-MM-DD), when given. */
  ticket = $state('');
  promisedBy = $state('');
  /** The form is being saved. */
  busy = $state(false);
  /** What was last exported (the panel says "Saved."). */
  exported = $state<ExportKind | null>(null);
  /** The files kept with the case that the last Markdown export carried. */
  exportedFiles = $state<string[]>([]);

  private readonly app: LadderApp;
  private readonly backend: Backend;

  constructor(app: LadderApp, backend: Backend) {
    this.app = app;
    this.backend = backend;
  }

  /** The correspondence, oldest first (a sent complaint by when it was sent). */
  get history(): MessageRecord[] {
    return [...(this.view?.messages ?? [])].sort((a, b) => (a.sent_at ?? a.at).localeCompare(b.sent_at ?? b.at));
  }

  /** The day the ladder was evaluated on: where the form's date starts, and its latest. */
  get today(): string {
    return (this.view?.now ?? '').slice(0, 10);
  }

  /** Reads the open case's ladder as of the case's moment. */
  async load() {
    const id = this.app.caseId;
    if (!id) return;
    try {
      this.view = await this.backend.caseLadder(id, this.app.asOf);
      this.error = null;
    } catch (e) {
      this.error = toBoundaryError(e);
    }
  }

  /** Opens `form` on the rung of `audience`, dated today. */
  show(audience: AudienceCode, form: RungForm) {
    this.open = { audience, form };
    this.date = this.today;
    this.text = '';
    this.ticket = '';
    this.promisedBy = '';
    this.error = null;
  }

  close() {
    this.open = null;
  }

  /** Saves the open form; the ladder comes back updated and the form closes. A failure keeps the form. */
  async submit() {
    const open = this.open;
    const id = this.app.caseId;
    if (!open || !id) return;
    this.busy = true;
    this.error = null;
    const at = this.date || null;
    const asOf = this.app.asOf;
    try {
      if (open.form === 'sent') {
        this.view = await this.backend.markSent(id, open.audience, at, this.app.complaintLang, asOf);
      } else if (open.form === 'reply') {
        this.view = await this.backend.recordReply(
          id,
          open.audience,
          at,
          this.text,
          this.ticket.trim() || null,
          this.promisedBy || null,
          asOf,
        );
      } else {
        this.view = await this.backend.closeRung(id, open.audience, at, this.text, asOf);
      }
      this.open = null;
    } catch (e) {
      this.error = toBoundaryError(e);
    } finally {
      this.busy = false;
    }
  }

  /** Writes the case file (Markdown) or the calendar (.ics) in `lang` where the user chooses. */
  async exportAs(kind: ExportKind, lang: Lang, filterName: string) {
    const id = this.app.caseId;
    const report = this.app.report;
    if (!id || !report) return;
    this.exported = null;
    this.exportedFiles = [];
    this.error = null;
    try {
      const asOf = this.app.asOf;
      const ext = kind === 'markdown' ? 'md' : 'ics';
      const path = await this.backend.chooseSavePath(`daozhang-${report.case.order_id}.${ext}`, [
        { name: filterName, extensions: [ext] },
      ]);
      if (!path) return;
      if (kind === 'markdown') {
        // Written by the backend, with the kept screenshots beside it.
        this.exportedFiles = await this.backend.exportMarkdown(id, lang, path, asOf);
      } else {
        await this.backend.writeTextFile(path, await this.backend.exportIcs(id, lang, asOf));
      }
      this.exported = kind;
    } catch (e) {
      this.error = toBoundaryError(e);
    }
  }
}
