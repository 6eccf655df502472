// The complaint editor's state: the backend's message for the chosen
// audience and language, the user's edits over it (kept by the AppState
// per audience and language, so they survive going back to the result),
// and what the buttons do — copy, save to a file, open the mail app; a
// saved or mailed message is kept in the case's history. One instance per
// screen.

import type { AppState } from '$lib/app.svelte';
import type { Backend } from '$lib/backend';
import { toBoundaryError } from '$lib/backend';
import type { BoundaryError } from '$lib/bindings/BoundaryError';
import type { ChecklistItem } from '$lib/bindings/ChecklistItem';
import type { Complaint } from '$lib/bindings/Complaint';
import type { Lang } from '$lib/bindings/Lang';
import { errorText } from '$lib/errors';
import { t } from '$lib/i18n.svelte';
import type { AudienceCode } from '$lib/labels';
import { Task } from '$lib/task.svelte';

/** What the editor needs of the app: the open case, the audience and language chosen, the drafts. */
export type ComplaintApp = Pick<AppState, 'caseId' | 'asOf' | 'report' | 'audience' | 'complaintLang' | 'drafts' | 'draftKey'>;

/** How long a confirmation stays (ms). */
const NOTE_MS = 5000;

/** What a file holds: the subject first (a heading in Markdown), then the text. */
export function fileContents(path: string, subject: string, text: string): string {
  if (path.toLowerCase().endsWith('.md')) {
    return subject ? `# ${subject}\n\n${text}` : text;
  }
  return subject ? `${subject}\n\n${text}` : text;
}

export class ComplaintState {
  /** The backend's message for the audience and language last asked. */
  complaint = $state<Complaint | null>(null);
  loadError = $state<BoundaryError | null>(null);
  /** A short confirmation or failure after a button. */
  note = $state<{ kind: 'ok' | 'error'; text: string } | null>(null);
  /** The message being written by the backend (a newer request makes an older answer stale). */
  readonly loading = new Task();

  private readonly app: ComplaintApp;
  private readonly backend: Backend;
  private noteTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(app: ComplaintApp, backend: Backend) {
    this.app = app;
    this.backend = backend;
  }

  /** Where the edits of the text are kept. */
  get key(): string {
    return this.app.draftKey(this.app.audience, this.app.complaintLang);
  }

  /** Where the edits of the subject are kept. */
  get subjectKey(): string {
    return `${this.key}:subject`;
  }

  /** The text as it stands: the user's edit, else the backend's. */
  get text(): string {
    return this.app.drafts[this.key] ?? this.complaint?.text ?? '';
  }

  get subject(): string {
    return this.app.drafts[this.subjectKey] ?? this.complaint?.subject ?? '';
  }

  /** The user changed the text or the subject. */
  get edited(): boolean {
    return this.key in this.app.drafts || this.subjectKey in this.app.drafts;
  }

  /** The evidence the checklist still misses. */
  get missing(): ChecklistItem[] {
    return this.complaint?.checklist.filter((c) => !c.have) ?? [];
  }

  /** Asks the backend for the message to `audience` in `lang`, as of the case's moment. */
  async load(audience: AudienceCode, lang: Lang) {
    const id = this.app.caseId;
    if (!id) return;
    this.loadError = null;
    await this.loading.run({
      work: () => this.backend.complaint(id, audience, lang, this.app.asOf),
      done: (c) => {
        this.complaint = c;
      },
      failed: (e) => {
        this.loadError = e;
        this.complaint = null;
      },
    });
  }

  setText(v: string) {
    this.app.drafts[this.key] = v;
  }

  setSubject(v: string) {
    this.app.drafts[this.subjectKey] = v;
  }

  /** Back to the backend's text and subject. */
  resetDraft() {
    delete this.app.drafts[this.key];
    delete this.app.drafts[this.subjectKey];
  }

  private flash(kind: 'ok' | 'error', text: string) {
    this.note = { kind, text };
    clearTimeout(this.noteTimer);
    this.noteTimer = setTimeout(() => (this.note = null), NOTE_MS);
  }

  async copy() {
    try {
      await this.backend.copyText(this.text);
      this.flash('ok', t('complaint.copied'));
    } catch {
      this.flash('error', t('complaint.copy_failed'));
    }
  }

  async copySubject() {
    try {
      await this.backend.copyText(this.subject);
      this.flash('ok', t('complaint.subject_copied'));
    } catch {
      this.flash('error', t('complaint.copy_failed'));
    }
  }

  /** Copies one box of the channel's form (12315, 黑猫). */
  async copyField(label: string, value: string) {
    try {
      await this.backend.copyText(value);
      this.flash('ok', t('complaint.form.copied', { label }));
    } catch {
      this.flash('error', t('complaint.copy_failed'));
    }
  }

  /** Keeps the message in the case's history (the ladder counts it as a draft). */
  private async keep() {
    const id = this.app.caseId;
    if (!id) return;
    const { subject, text } = this;
    await this.backend.saveMessage(id, this.app.audience, this.app.complaintLang, subject ? `${subject}\n\n${text}` : text);
  }

  /** Saves the message to a text or Markdown file the user chooses, and keeps it. */
  async save() {
    try {
      const order = this.app.report?.case.order_id ?? 'case';
      const path = await this.backend.chooseSavePath(`${order}-${this.app.audience}-${this.app.complaintLang}.txt`, [
        { name: t('complaint.filter.text'), extensions: ['txt'] },
        { name: t('complaint.filter.markdown'), extensions: ['md'] },
      ]);
      if (!path) return;
      await this.backend.writeTextFile(path, fileContents(path, this.subject, this.text));
      await this.keep();
      this.flash('ok', t('complaint.saved', { path }));
    } catch (e) {
      this.flash('error', errorText(toBoundaryError(e)));
    }
  }

  /** Opens the mail app with the subject and text, and keeps the message. */
  async mail() {
    const id = this.app.caseId;
    if (!id) return;
    try {
      await this.backend.openMail({
        id,
        audience: this.app.audience,
        lang: this.app.complaintLang,
        subject: this.subject,
        text: this.text,
        now: this.app.asOf,
      });
    } catch {
      this.flash('error', t('complaint.mail_failed'));
      return;
    }
    try {
      await this.keep();
      this.flash('ok', t('complaint.mail_opened'));
    } catch (e) {
      this.flash('error', errorText(toBoundaryError(e)));
    }
  }
}
