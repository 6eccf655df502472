// The one door to the Rust side. Components never call Tauri directly: they
// take a `Backend` from Svelte context, so tests and the browser preview can
// hand in the in-memory `FakeBackend` instead.

import { getContext, setContext } from 'svelte';
import type { AppInfo } from '$lib/bindings/AppInfo';
import type { BoundaryError } from '$lib/bindings/BoundaryError';
import type { Candidate } from '$lib/bindings/Candidate';
import type { CaseSummary } from '$lib/bindings/CaseSummary';
import type { Draft } from '$lib/bindings/Draft';
import type { CheckReport } from '$lib/bindings/CheckReport';
import type { Complaint } from '$lib/bindings/Complaint';
import type { EvidenceScan } from '$lib/bindings/EvidenceScan';
import type { FollowView } from '$lib/bindings/FollowView';
import type { LadderView } from '$lib/bindings/LadderView';
import type { Looked } from '$lib/bindings/Looked';
import type { OpenedCase } from '$lib/bindings/OpenedCase';
import type { SavedCase } from '$lib/bindings/SavedCase';
import type { PresetView } from '$lib/bindings/PresetView';
import type { RawCase } from '$lib/bindings/RawCase';
import type { SourceProgress } from '$lib/bindings/SourceProgress';
import type { SourceSettings } from '$lib/bindings/SourceSettings';
import type { MyDetails } from '$lib/bindings/MyDetails';
import type { Bilingual } from '$lib/bindings/Bilingual';
import type { BatchPreview } from '$lib/bindings/BatchPreview';
import type { BatchProgress } from '$lib/bindings/BatchProgress';
import type { BatchRun } from '$lib/bindings/BatchRun';
import type { AudienceCode } from '$lib/labels';
import type { Lang } from '$lib/bindings/Lang';

/** The event `run_check` emits with every source's progress. */
export const CHECK_PROGRESS = 'check-progress';

/** The event `scan_evidence_file` emits as it reads: bytes done of bytes in all. */
export const EVIDENCE_PROGRESS = 'evidence-progress';

/** The event the re-check loop emits after every automatic look at a case. */
export const CASE_LOOKED = 'case-looked';

/** The event a click on a notification emits, with the case's id. */
export const OPEN_CASE = 'open-case';

/** The event `batch_run` emits as orders finish: done of total, counts by outcome. */
export const BATCH_PROGRESS = 'batch-progress';

export type Unlisten = () => void;

/** How to run a batch. */
export interface BatchOptions {
  /** Orders checked at once (and requests in flight at most), 1 to 256. */
  concurrency: number;
  /** Continue the report: orders already in it are not asked again. */
  resume: boolean;
  /** Diagnose from the file alone, without asking the merchant APIs set up in Sources. */
  offline: boolean;
  /** Evaluate every order as of this time (default: when it is checked). */
  now?: string | null;
}

/** How far a file has been read. */
export interface EvidenceProgress {
  done: number;
  total: number;
}

/** Files dragged over the window: hovering, dropped, or gone again. */
export type FileDrop = { type: 'over' } | { type: 'drop'; paths: string[] } | { type: 'leave' };

/** What the open dialog offers: bill exports (CSV, Excel) and text files of SMS. The file's content decides its format. */
export const EVIDENCE_EXTENSIONS = ['csv', 'xlsx', 'txt', 'CSV', 'XLSX', 'TXT'];

/** A file the user may save to, for the save dialog. */
export interface SaveFilter {
  name: string;
  extensions: string[];
}

/**
 * One typed method per Tauri command (same names as in
 * `src-tauri/src/app/commands.rs`), plus the few desktop services the UI
 * needs (window, clipboard, save dialog, mail client). Every method rejects
 * with a `BoundaryError`.
 */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  presets(): Promise<PresetView[]>;
  recogniseId(input: string): Promise<Candidate[]>;
  /** Resolves when the intake is valid; else rejects with `invalid_case` and `details.fields`. */
  validateIntake(raw: RawCase): Promise<void>;
  /**
   * Stores the case: new without `id`, else the edit of the case as loaded at
   * `revision` (what arrived meanwhile is kept). Rejects with `changed` when
   * the case changed and the edit's starting point is unknown.
   */
  saveCase(raw: RawCase, id?: string | null, revision?: number | null): Promise<SavedCase>;
  listCases(): Promise<CaseSummary[]>;
  openCase(id: string): Promise<OpenedCase>;
  runCheck(id: string, now?: string | null): Promise<CheckReport>;
  cancelCheck(): Promise<void>;
  /** The message for one audience, as of `now` (default: the current time). */
  complaint(id: string, audience: AudienceCode, lang: Lang, now?: string | null): Promise<Complaint>;
  saveMessage(id: string, audience: AudienceCode, lang: Lang, text: string): Promise<void>;
  exportCase(id: string): Promise<string>;
  writeTextFile(path: string, contents: string): Promise<void>;
  /** The escalation ladder with the case's correspondence, as of `now` (default: the current time). */
  caseLadder(id: string, now?: string | null): Promise<LadderView>;
  /** The complaint to `audience` went out on `at` (a date; default: now); written in `lang` when none was saved. */
  markSent(id: string, audience: AudienceCode, at: string | null, lang: Lang, now?: string | null): Promise<LadderView>;
  /** Keeps the answer `audience` gave on `at`. */
  /** Keeps an answer, with the ticket number and the promised day (YYYY-MM-DD) when the channel gave them. */
  recordReply(
    id: string,
    audience: AudienceCode,
    at: string | null,
    text: string,
    ticket: string | null,
    promisedBy: string | null,
    now?: string | null,
  ): Promise<LadderView>;
  /** Closes the rung of `audience`, with a note. */
  closeRung(id: string, audience: AudienceCode, at: string | null, note: string, now?: string | null): Promise<LadderView>;
  /** The case file as Markdown. */
  /** Writes the case file at `path` (chosen to be written), the kept files in `<name>.files/` beside it; their names. */
  exportMarkdown(id: string, lang: Lang, path: string, now?: string | null): Promise<string[]>;
  /** The case's deadlines as an .ics calendar. */
  exportIcs(id: string, lang: Lang, now?: string | null): Promise<string>;
  /** Listens to `check-progress`: every source's status, as each one runs. */
  onCheckProgress(handler: (progress: SourceProgress[]) => void): Promise<Unlisten>;

  /**
   * Reads a bill export (or a text file of SMS) against the case; its
   * format is told from the content. Progress as `evidence-progress`;
   * rejects with `cancelled` after `cancelEvidence`, with
   * `unreadable_evidence` (and `details.text`) for a file it cannot read,
   * with `password` (`details.lock`, `details.wrong`, `details.hint`) for a
   * bill zip that is locked and was given no password or a wrong one.
   */
  scanEvidenceFile(id: string, path: string, password?: string | null): Promise<EvidenceScan>;
  /** Reads pasted text: bank SMS (one or many) or a receipt's text. */
  scanEvidenceText(id: string, text: string): Promise<EvidenceScan>;
  /** Stops the file being read. */
  cancelEvidence(): Promise<void>;
  /**
   * Keeps every direct candidate of the case's last scan plus the `picks`
   * (indices into its candidates); resolves to how many were added.
   */
  acceptEvidence(id: string, picks: number[], now?: string | null): Promise<number>;
  /** Listens to `evidence-progress` while a file is read. */
  onEvidenceProgress(handler: (progress: EvidenceProgress) => void): Promise<Unlisten>;

  /** "My details": told once, filled into every complaint where a case leaves them out. */
  myDetails(): Promise<MyDetails>;
  /**
   * Replaces "my details"; resolves to what was kept (trimmed, blanks dropped).
   * Rejects with `invalid_case` and `details.fields` when a field is wrong
   * (nothing is saved then).
   */
  saveMyDetails(details: MyDetails): Promise<MyDetails>;

  /** Every live source's settings form and state; secret values never come back. */
  listSources(): Promise<SourceSettings[]>;
  /**
   * Saves a source's form to the OS keychain: an empty secret field keeps
   * the saved secret, an empty plain field clears it. Resolves to the new
   * state; rejects with `credentials` (and `details.text`) when the keychain
   * cannot be written.
   */
  saveCredentials(source: string, values: Record<string, string>): Promise<SourceSettings>;
  /** Removes a source's settings from the keychain. */
  deleteCredentials(source: string): Promise<SourceSettings>;
  /**
   * Asks the source a harmless question with the saved settings; resolves
   * to what was proven. Rejects with `credentials` or `source_failed`,
   * `details.text` saying why and maybe `details.raw` (an answer that was
   * not trusted, secrets removed).
   */
  testConnection(source: string): Promise<Bilingual>;

  /** A case's follow-up: next automatic check, sources backing off, changes not yet seen. */
  followStatus(id: string): Promise<FollowView>;
  /** Turns automatic re-checks of a case on or off. */
  setFollowing(id: string, enabled: boolean): Promise<FollowView>;
  /** The user has seen the case's changes. */
  markSeen(id: string): Promise<void>;
  /** The language the window shows; notifications follow it. */
  setUiLanguage(lang: Lang): Promise<void>;
  /** Whether Daozhang starts (minimized) at login to keep re-checking. */
  startAtLogin(): Promise<boolean>;
  /** Turns starting at login on or off; resolves to the new setting. */
  setStartAtLogin(enabled: boolean): Promise<boolean>;
  /** Listens to `case-looked`: an automatic re-check of a case, with what changed. */
  onCaseLooked(handler: (looked: Looked) => void): Promise<Unlisten>;
  /** Listens to `open-case`: the user clicked a notification about a case. */
  onOpenCase(handler: (id: string) => void): Promise<Unlisten>;

  /**
   * Reads an orders CSV and says what it holds (orders, columns read, each
   * bad row and why); checks nothing. Rejects with `syntax` (and
   * `details.text`, `details.missing`) for a file without the columns.
   */
  batchPreview(path: string): Promise<BatchPreview>;
  /**
   * Checks every order of `path` into the report at `report`, with
   * `batch-progress` events. After `batchCancel` it resolves with
   * `summary.cancelled` and the rows finished so far. Rejects with
   * `exists` (and `details.text`) when the report exists and `resume` is off.
   */
  batchRun(path: string, report: string, options: BatchOptions): Promise<BatchRun>;
  /** Stops the batch run soon; the report keeps the finished rows. */
  batchCancel(): Promise<void>;
  /** Copies a batch report to `to` (chosen in the save dialog). */
  batchSaveReport(from: string, to: string): Promise<void>;
  /** Listens to `batch-progress` while a batch runs. */
  onBatchProgress(handler: (progress: BatchProgress) => void): Promise<Unlisten>;
  /** Asks for an orders CSV; `null` when the user cancels. */
  chooseOrdersFile(filterName: string): Promise<string | null>;
  /** Shows a file in the system's file manager. */
  revealPath(path: string): Promise<void>;

  /** Shows the main window (created hidden, so there is no white flash). */
  showWindow(): Promise<void>;
  copyText(text: string): Promise<void>;
  /** Asks where to save; `null` when the user cancels. */
  chooseSavePath(defaultName: string, filters: SaveFilter[]): Promise<string | null>;
  /** Asks for a bill export or a text file of SMS (csv, xlsx, txt); `null` when the user cancels. */
  /** Asks for evidence files (bill exports, zips, screenshots, SMS text), several at once; empty when the user cancels. */
  chooseEvidenceFiles(filterName: string): Promise<string[]>;
  /** Asks for phone screenshots (png, jpg, webp), several at once; empty when the user cancels. */
  chooseScreenshots(filterName: string): Promise<string[]>;
  /**
   * Drafts a case from screenshots the user chose or dropped, read on this
   * computer: the raw case to fill the form with, each field's screenshot,
   * what was seen but not used and what is still to fill. Progress as
   * `evidence-progress`, stopped by `cancelEvidence`; rejects with
   * `unreadable_evidence` (`details.text` names the file) when no
   * screenshot gives anything or one is not a screenshot.
   */
  draftCase(paths: string[]): Promise<Draft>;
  /** Keeps chosen or dropped files (the screenshots the form was filled from) with the stored case; resolves to the names kept. */
  keepAttachments(id: string, paths: string[]): Promise<string[]>;
  /** Files dragged over the window and dropped on it. */
  onFileDrop(handler: (drop: FileDrop) => void): Promise<Unlisten>;
  /**
   * Opens the mail app with the complaint (the user's edited subject and
   * text). The backend builds the `mailto:` link, so nothing can be added
   * to it (no `attach=`).
   */
  openMail(mail: MailRequest): Promise<void>;
}

/** What `openMail` sends: the complaint of a case to an audience in a language, as edited. */
export interface MailRequest {
  id: string;
  audience: AudienceCode;
  lang: Lang;
  subject: string;
  text: string;
  now?: string | null;
}

/** Whether a rejection is the backend's error shape. */
export function isBoundaryError(e: unknown): e is BoundaryError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

/** Turns anything thrown into a `BoundaryError` (a plugin's plain string error, a JS error …). */
export function toBoundaryError(e: unknown): BoundaryError {
  if (isBoundaryError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message, details: null };
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toBoundaryError(e);
  }
}

/** The real backend: Tauri IPC. Its modules are loaded lazily so that tests never touch them. */
export class TauriBackend implements Backend {
  private async invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    const { invoke } = await import('@tauri-apps/api/core');
    return call(() => invoke<T>(cmd, args));
  }

  appInfo() {
    return this.invoke<AppInfo>('app_info');
  }
  presets() {
    return this.invoke<PresetView[]>('presets');
  }
  recogniseId(input: string) {
    return this.invoke<Candidate[]>('recognise_id', { input });
  }
  validateIntake(raw: RawCase) {
    return this.invoke<void>('validate_intake', { raw });
  }
  saveCase(raw: RawCase, id?: string | null, revision?: number | null) {
    return this.invoke<SavedCase>('save_case', { raw, id: id ?? null, revision: revision ?? null });
  }
  listCases() {
    return this.invoke<CaseSummary[]>('list_cases');
  }
  openCase(id: string) {
    return this.invoke<OpenedCase>('open_case', { id });
  }
  runCheck(id: string, now?: string | null) {
    return this.invoke<CheckReport>('run_check', { id, now: now ?? null });
  }
  cancelCheck() {
    return this.invoke<void>('cancel_check');
  }
  complaint(id: string, audience: AudienceCode, lang: Lang, now?: string | null) {
    return this.invoke<Complaint>('complaint', { id, audience, lang, now: now ?? null });
  }
  saveMessage(id: string, audience: AudienceCode, lang: Lang, text: string) {
    return this.invoke<void>('save_message', { id, audience, lang, text });
  }
  exportCase(id: string) {
    return this.invoke<string>('export_case', { id });
  }
  writeTextFile(path: string, contents: string) {
    return this.invoke<void>('write_text_file', { path, contents });
  }
  caseLadder(id: string, now?: string | null) {
    return this.invoke<LadderView>('case_ladder', { id, now: now ?? null });
  }
  markSent(id: string, audience: AudienceCode, at: string | null, lang: Lang, now?: string | null) {
    return this.invoke<LadderView>('mark_sent', { id, audience, at, lang, now: now ?? null });
  }
  recordReply(
    id: string,
    audience: AudienceCode,
    at: string | null,
    text: string,
    ticket: string | null,
    promisedBy: string | null,
    now?: string | null,
  ) {
    return this.invoke<LadderView>('record_reply', { id, audience, at, text, ticket, promisedBy, now: now ?? null });
  }
  closeRung(id: string, audience: AudienceCode, at: string | null, note: string, now?: string | null) {
    return this.invoke<LadderView>('close_rung', { id, audience, at, note, now: now ?? null });
  }
  exportMarkdown(id: string, lang: Lang, path: string, now?: string | null) {
    return this.invoke<string[]>('export_markdown', { id, lang, path, now: now ?? null });
  }
  exportIcs(id: string, lang: Lang, now?: string | null) {
    return this.invoke<string>('export_ics', { id, lang, now: now ?? null });
  }
  async onCheckProgress(handler: (progress: SourceProgress[]) => void): Promise<Unlisten> {
    const { listen } = await import('@tauri-apps/api/event');
    return call(() => listen<SourceProgress[]>(CHECK_PROGRESS, (event) => handler(event.payload)));
  }

  followStatus(id: string) {
    return this.invoke<FollowView>('follow_status', { id, now: null });
  }
  setFollowing(id: string, enabled: boolean) {
    return this.invoke<FollowView>('set_following', { id, enabled });
  }
  markSeen(id: string) {
    return this.invoke<void>('mark_seen', { id });
  }
  setUiLanguage(lang: Lang) {
    return this.invoke<void>('set_ui_language', { lang });
  }
  startAtLogin() {
    return this.invoke<boolean>('start_at_login');
  }
  setStartAtLogin(enabled: boolean) {
    return this.invoke<boolean>('set_start_at_login', { enabled });
  }
  async onCaseLooked(handler: (looked: Looked) => void): Promise<Unlisten> {
    const { listen } = await import('@tauri-apps/api/event');
    return call(() => listen<Looked>(CASE_LOOKED, (event) => handler(event.payload)));
  }
  async onOpenCase(handler: (id: string) => void): Promise<Unlisten> {
    const { listen } = await import('@tauri-apps/api/event');
    return call(() => listen<string>(OPEN_CASE, (event) => handler(event.payload)));
  }

  scanEvidenceFile(id: string, path: string, password?: string | null) {
    return this.invoke<EvidenceScan>('scan_evidence_file', { id, path, password: password ?? null });
  }
  scanEvidenceText(id: string, text: string) {
    return this.invoke<EvidenceScan>('scan_evidence_text', { id, text });
  }
  cancelEvidence() {
    return this.invoke<void>('cancel_evidence');
  }
  acceptEvidence(id: string, picks: number[], now?: string | null) {
    return this.invoke<number>('accept_evidence', { id, picks, now: now ?? null });
  }
  async onEvidenceProgress(handler: (progress: EvidenceProgress) => void): Promise<Unlisten> {
    const { listen } = await import('@tauri-apps/api/event');
    return call(() => listen<EvidenceProgress>(EVIDENCE_PROGRESS, (event) => handler(event.payload)));
  }

  myDetails() {
    return this.invoke<MyDetails>('my_details');
  }
  saveMyDetails(details: MyDetails) {
    return this.invoke<MyDetails>('save_my_details', { details });
  }

  listSources() {
    return this.invoke<SourceSettings[]>('list_sources');
  }
  saveCredentials(source: string, values: Record<string, string>) {
    return this.invoke<SourceSettings>('save_credentials', { source, values });
  }
  deleteCredentials(source: string) {
    return this.invoke<SourceSettings>('delete_credentials', { source });
  }
  testConnection(source: string) {
    return this.invoke<Bilingual>('test_connection', { source });
  }

  batchPreview(path: string) {
    return this.invoke<BatchPreview>('batch_preview', { path });
  }
  batchRun(path: string, report: string, options: BatchOptions) {
    return this.invoke<BatchRun>('batch_run', {
      path,
      report,
      concurrency: options.concurrency,
      resume: options.resume,
      offline: options.offline,
      now: options.now ?? null,
    });
  }
  batchCancel() {
    return this.invoke<void>('batch_cancel');
  }
  batchSaveReport(from: string, to: string) {
    return this.invoke<void>('batch_save_report', { from, to });
  }
  async onBatchProgress(handler: (progress: BatchProgress) => void): Promise<Unlisten> {
    const { listen } = await import('@tauri-apps/api/event');
    return call(() => listen<BatchProgress>(BATCH_PROGRESS, (event) => handler(event.payload)));
  }
  chooseOrdersFile(filterName: string) {
    return this.invoke<string | null>('choose_open_file', { kind: 'orders', filterName });
  }
  revealPath(path: string) {
    return this.invoke<void>('reveal_file', { path });
  }

  async showWindow() {
    const { getCurrentWindow } = await import('@tauri-apps/api/window');
    await call(() => getCurrentWindow().show());
  }
  async copyText(text: string) {
    const { writeText } = await import('@tauri-apps/plugin-clipboard-manager');
    await call(() => writeText(text));
  }
  chooseSavePath(defaultName: string, filters: SaveFilter[]) {
    return this.invoke<string | null>('choose_save_file', { defaultName, filters });
  }
  chooseEvidenceFiles(filterName: string) {
    return this.invoke<string[]>('choose_open_files', { kind: 'evidence', filterName });
  }
  chooseScreenshots(filterName: string) {
    return this.invoke<string[]>('choose_open_files', { kind: 'screenshots', filterName });
  }
  draftCase(paths: string[]) {
    return this.invoke<Draft>('draft_case', { paths });
  }
  keepAttachments(id: string, paths: string[]) {
    return this.invoke<string[]>('keep_attachments', { id, paths });
  }
  async onFileDrop(handler: (drop: FileDrop) => void): Promise<Unlisten> {
    const { getCurrentWebview } = await import('@tauri-apps/api/webview');
    return call(() =>
      getCurrentWebview().onDragDropEvent((event) => {
        const p = event.payload;
        if (p.type === 'drop') handler({ type: 'drop', paths: p.paths });
        else if (p.type === 'leave') handler({ type: 'leave' });
        else handler({ type: 'over' });
      }),
    );
  }
  openMail(mail: MailRequest) {
    return this.invoke<void>('open_mail', {
      id: mail.id,
      audience: mail.audience,
      lang: mail.lang,
      subject: mail.subject,
      text: mail.text,
      now: mail.now ?? null,
    });
  }
}

/** Whether the page runs inside Tauri (else: a browser preview or a test). */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** The context key the Backend is kept under (tests hand one in directly). */
export const BACKEND_KEY = Symbol('backend');

export function setBackend(backend: Backend): Backend {
  return setContext(BACKEND_KEY, backend);
}

export function getBackend(): Backend {
  const b = getContext<Backend | undefined>(BACKEND_KEY);
  if (!b) throw new Error('no Backend in context: render the component inside <App> or give it one');
  return b;
}
