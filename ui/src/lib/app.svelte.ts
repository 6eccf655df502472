// The app's state: which screen is showing, the form, the stored case's id,
// the last check and the complaint being edited. One instance per window,
// handed to components through context, so going back and forth between
// screens never loses anything.

import { getContext, setContext } from 'svelte';
import type { Backend } from '$lib/backend';
import { toBoundaryError } from '$lib/backend';
import type { Bilingual } from '$lib/bindings/Bilingual';
import type { BoundaryError } from '$lib/bindings/BoundaryError';
import type { CaseSummary } from '$lib/bindings/CaseSummary';
import type { CheckReport } from '$lib/bindings/CheckReport';
import type { EvidenceKind } from '$lib/bindings/EvidenceKind';
import type { FieldError } from '$lib/bindings/FieldError';
import type { FollowView } from '$lib/bindings/FollowView';
import type { Looked } from '$lib/bindings/Looked';
import type { PresetView } from '$lib/bindings/PresetView';
import type { SourceProgress } from '$lib/bindings/SourceProgress';
import type { AudienceCode } from '$lib/labels';
import type { Lang } from '$lib/bindings/Lang';
import type { Example } from '$lib/examples';
import { BatchState } from '$lib/batch.svelte';
import { Task } from '$lib/task.svelte';
import {
  emptyForm,
  errorsForForm,
  fieldErrorsOf,
  fromRaw,
  toRaw,
  type FormState,
} from '$lib/form';

export type Screen = 'start' | 'intake' | 'check' | 'result' | 'complaint' | 'settings' | 'batch';

/** The last evidence import: how many records, from what. */
export interface EvidenceAdded {
  count: number;
  format: Bilingual;
}

export interface AppOptions {
  /** The shortest time the check screen shows, so it does not flash by (ms). */
  minCheckMs?: number;
}

export class AppState {
  screen = $state<Screen>('start');
  form = $state<FormState>(emptyForm());
  /** The screenshots the form was filled from: kept with the case when it is saved. */
  shotPaths = $state<string[]>([]);
  /** Field errors from the last validation, keyed by the form's field names. */
  fieldErrors = $state<Record<string, FieldError>>({});
  /** An error not tied to one field (the case file failed, …). */
  formError = $state<BoundaryError | null>(null);
  /** The stored case the form belongs to, once saved. */
  caseId = $state<string | null>(null);
  /** The stored case's revision the form was loaded from or last saved at. */
  caseRevision: number | null = null;
  /** The moment to check an example at (its documented `--now`), else now. */
  asOf = $state<string | null>(null);

  presets = $state<PresetView[]>([]);
  cases = $state<CaseSummary[]>([]);
  casesLoaded = $state(false);
  casesError = $state<BoundaryError | null>(null);

  /** The check under way: every source's progress as it runs, and Cancel. */
  readonly check: Task<SourceProgress[]>;
  checkError = $state<BoundaryError | null>(null);
  report = $state<CheckReport | null>(null);
  /** The open case's follow-up (automatic re-checks, changes not yet seen). */
  follow = $state<FollowView | null>(null);
  followError = $state<BoundaryError | null>(null);

  audience = $state<AudienceCode>('platform_chat');
  complaintLang = $state<Lang>('zh-CN');
  /** The user's edits, per audience and language, kept while the case is open. */
  drafts = $state<Record<string, string>>({});

  /** The last evidence import, confirmed on the result screen until the next. */
  evidenceAdded = $state<EvidenceAdded | null>(null);

  /** Checking many orders from a CSV: kept while the window lives, so a run goes on behind other screens. */
  readonly batch: BatchState;

  /** Where "Back" on the settings page returns to. */
  settingsFrom = $state<Screen>('start');

  private readonly backend: Backend;
  private readonly minCheckMs: number;

  constructor(backend: Backend, options: AppOptions = {}) {
    this.backend = backend;
    this.check = new Task(() => backend.cancelCheck());
    this.batch = new BatchState(backend);
    this.minCheckMs = options.minCheckMs ?? 500;
  }

  /** Every source's status in the last check, as it ran. */
  get progress(): SourceProgress[] {
    return this.check.progress ?? [];
  }

  get checking(): boolean {
    return this.check.running;
  }

  get cancelling(): boolean {
    return this.check.cancelling;
  }

  go(screen: Screen) {
    this.screen = screen;
  }

  /**
   * Moves to `screen` when a background task ends (a check): while the
   * settings page is open it stays, and "Back" leads there instead.
   */
  private arrive(screen: Screen) {
    if (this.screen === 'settings') this.settingsFrom = screen;
    else this.screen = screen;
  }

  /** The sources' settings page; "Back" returns to the screen it was opened from. */
  openSettings() {
    if (this.screen === 'settings') return;
    this.settingsFrom = this.screen;
    this.screen = 'settings';
  }

  closeSettings() {
    this.screen = this.settingsFrom === 'settings' ? 'start' : this.settingsFrom;
  }

  async loadPresets() {
    try {
      this.presets = await this.backend.presets();
    } catch {
      // the select then offers the preset ids the form already holds
    }
  }

  async loadCases() {
    try {
      this.cases = await this.backend.listCases();
      this.casesError = null;
    } catch (e) {
      this.casesError = toBoundaryError(e);
    } finally {
      this.casesLoaded = true;
    }
  }

  home() {
    this.screen = 'start';
    void this.loadCases();
  }

  /** The batch screen: many orders from a CSV. */
  openBatch() {
    this.screen = 'batch';
  }

  /** A fresh, empty form. */
  newCheck() {
    this.form = emptyForm();
    this.shotPaths = [];
    this.resetCase();
    this.screen = 'intake';
  }

  /** The form filled with an example, ready to check. */
  tryExample(example: Example) {
    this.form = fromRaw(structuredClone(example.raw));
    this.shotPaths = [];
    this.resetCase();
    this.asOf = example.now;
    this.screen = 'intake';
  }

  private resetCase() {
    this.caseId = null;
    this.caseRevision = null;
    this.asOf = null;
    this.report = null;
    this.follow = null;
    this.followError = null;
    this.fieldErrors = {};
    this.formError = null;
    this.drafts = {};
    this.check.progress = null;
    this.checkError = null;
    this.evidenceAdded = null;
  }

  /** Reopens a stored case: its form, then its result checked again now. */
  async openCase(id: string) {
    try {
      const opened = await this.backend.openCase(id);
      this.form = fromRaw(opened.raw);
      this.shotPaths = [];
      this.resetCase();
      this.caseId = opened.stored.id;
      this.caseRevision = opened.revision;
      this.follow = null;
      await this.startCheck();
    } catch (e) {
      this.casesError = toBoundaryError(e);
    }
  }

  /**
   * Validates the form; marks each bad field. Resolves to whether it is valid.
   * Backend failures other than an invalid case are shown above the form.
   */
  async validate(): Promise<boolean> {
    const rows = toRaw($state.snapshot(this.form) as FormState);
    try {
      await this.backend.validateIntake(rows.raw);
      this.fieldErrors = {};
      this.formError = null;
      return true;
    } catch (e) {
      const err = toBoundaryError(e);
      if (err.code === 'invalid_case') {
        this.fieldErrors = errorsForForm(fieldErrorsOf(err.details), rows);
        this.formError = null;
      } else {
        this.formError = err;
      }
      return false;
    }
  }

  /** Re-validates on leaving a field, but only marks or clears the fields already touched. */
  async validateField(name: string) {
    const rows = toRaw($state.snapshot(this.form) as FormState);
    try {
      await this.backend.validateIntake(rows.raw);
      this.fieldErrors = {};
    } catch (e) {
      const err = toBoundaryError(e);
      if (err.code !== 'invalid_case') return;
      const all = errorsForForm(fieldErrorsOf(err.details), rows);
      const next: Record<string, FieldError> = {};
      // keep marks on fields still wrong; add the field just left if it is wrong
      for (const [k, v] of Object.entries(all)) {
        if (k in this.fieldErrors || k === name) next[k] = v;
      }
      this.fieldErrors = next;
    }
  }

  clearFieldError(name: string) {
    if (name in this.fieldErrors) {
      const next = { ...this.fieldErrors };
      delete next[name];
      this.fieldErrors = next;
    }
  }

  /** Validates, stores the case (updating it once stored) and starts the check. */
  async submit(): Promise<boolean> {
    if (!(await this.validate())) return false;
    const { raw } = toRaw($state.snapshot(this.form) as FormState);
    try {
      const saved = await this.backend.saveCase(raw, this.caseId, this.caseRevision);
      if (this.caseId !== saved.id) this.drafts = {};
      this.caseId = saved.id;
      this.caseRevision = saved.revision;
      if (this.shotPaths.length) {
        await this.backend.keepAttachments(saved.id, this.shotPaths);
        this.shotPaths = [];
      }
    } catch (e) {
      const err = toBoundaryError(e);
      if (err.code === 'changed' && this.caseId) {
        // Saved elsewhere meanwhile: show the stored case, say why.
        await this.reloadForm(this.caseId);
        this.formError = err;
      } else if (err.code === 'invalid_case') {
        this.fieldErrors = errorsForForm(fieldErrorsOf(err.details), toRaw($state.snapshot(this.form) as FormState));
      } else {
        this.formError = err;
      }
      return false;
    }
    this.drafts = {};
    await this.startCheck();
    return true;
  }

  /**
   * Attaches files to the stored case: each listed as an attachment of
   * `kind` (a name already listed is not listed twice), the case saved, and
   * the files copied into its own folder. Returns how many were listed.
   */
  async attachFiles(paths: string[], kind: EvidenceKind): Promise<number> {
    const id = this.caseId;
    if (!id || paths.length === 0) return 0;
    const form = $state.snapshot(this.form) as FormState;
    const listed = form.rest.attachment ?? [];
    const have = listed.map((a) => String(a.file ?? ''));
    const names = paths
      .map((p) => p.split(/[\\/]/).pop() ?? p)
      .filter((n, i, all) => n && all.indexOf(n) === i && !have.includes(n));
    const attachment = [...listed, ...names.map((file) => ({ kind, file, note: null }))];
    const { raw } = toRaw({ ...form, rest: { ...form.rest, attachment } });
    const saved = await this.backend.saveCase(raw, id, this.caseRevision);
    this.caseRevision = saved.revision;
    this.form.rest.attachment = attachment;
    await this.backend.keepAttachments(id, paths);
    return names.length;
  }

  /** Runs the check of the stored case, showing each source's progress. */
  async startCheck() {
    const id = this.caseId;
    if (!id) return;
    this.screen = 'check';
    this.checkError = null;
    const started = Date.now();
    await this.check.run({
      listen: (handler) => this.backend.onCheckProgress(handler),
      work: async () => {
        const report = await this.backend.runCheck(id, this.asOf);
        const wait = this.minCheckMs - (Date.now() - started);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        return report;
      },
      done: (report, cancelled) => {
        if (cancelled) {
          this.arrive('intake');
          return;
        }
        this.report = report;
        this.arrive('result');
        void this.loadFollow();
      },
      failed: (err, cancelled) => {
        if (cancelled) this.arrive('intake');
        else this.checkError = err;
      },
    });
  }

  /** Reads the open case's follow-up. */
  async loadFollow() {
    const id = this.caseId;
    if (!id) return;
    try {
      const f = await this.backend.followStatus(id);
      if (id === this.caseId) {
        this.follow = f;
        this.followError = null;
      }
    } catch (e) {
      if (id === this.caseId) this.followError = toBoundaryError(e);
    }
  }

  /** Turns automatic re-checks of the open case on or off. */
  async setFollowing(enabled: boolean) {
    const id = this.caseId;
    if (!id) return;
    try {
      this.follow = await this.backend.setFollowing(id, enabled);
      this.followError = null;
    } catch (e) {
      this.followError = toBoundaryError(e);
    }
  }

  /** The user has read the open case's changes. */
  async dismissChanges() {
    const id = this.caseId;
    if (!id || !this.follow) return;
    try {
      await this.backend.markSeen(id);
      this.follow = { ...this.follow, unread: [] };
    } catch (e) {
      this.followError = toBoundaryError(e);
    }
  }

  /** An automatic re-check ran: refresh the list, and the open case's follow-up. */
  caseLooked(looked: Looked) {
    void this.loadCases();
    if (looked.id === this.caseId && this.screen === 'result') void this.loadFollow();
  }

  /** Stops the check and goes back to the form, nothing lost. */
  async cancelCheck() {
    if (!this.checking) {
      this.screen = 'intake';
      return;
    }
    await this.check.cancel();
  }

  /**
   * Adds the direct candidates of the case's last evidence scan and the
   * `picks` to the case, then checks it again so the timeline shows them.
   * The form is reloaded from the stored case, so a later edit keeps the
   * imported rows. Rejects (nothing changed) when the backend refuses.
   */
  async acceptEvidence(picks: number[], format: Bilingual): Promise<number> {
    const id = this.caseId;
    if (!id) return 0;
    const added = await this.backend.acceptEvidence(id, picks, this.asOf);
    this.evidenceAdded = { count: added, format };
    if (added === 0) return 0;
    await this.reloadForm(id);
    await this.startCheck();
    return added;
  }

  /** The form as the case is stored now (a failure leaves the form as it is). */
  private async reloadForm(id: string) {
    try {
      const opened = await this.backend.openCase(id);
      this.form = fromRaw(opened.raw);
      this.caseRevision = opened.revision;
    } catch {
      // what was stored stays stored; the form catches up the next time the case is opened
    }
  }

  editCase() {
    this.screen = 'intake';
  }

  draftKey(audience: AudienceCode = this.audience, lang: Lang = this.complaintLang): string {
    return `${audience}:${lang}`;
  }

  openComplaint(audience?: AudienceCode) {
    if (audience) this.audience = audience;
    this.screen = 'complaint';
  }
}

/** The context key the AppState is kept under (tests hand one in directly). */
export const APP_KEY = Symbol('app');

export function setApp(app: AppState): AppState {
  return setContext(APP_KEY, app);
}

export function getApp(): AppState {
  const a = getContext<AppState | undefined>(APP_KEY);
  if (!a) throw new Error('no AppState in context');
  return a;
}
