// The evidence panel's state: the user's own evidence for the open case —
// a bill export dropped on the window or chosen, or bank SMS / a receipt
// pasted. The backend reads it and lists the records that fit the case; the
// ones carrying the case's number are added, the others only when ticked.
// One instance per panel: leaving the result screen starts it afresh.

import type { AppState } from '$lib/app.svelte';
import type { Backend, EvidenceProgress, FileDrop, Unlisten } from '$lib/backend';
import { toBoundaryError } from '$lib/backend';
import type { Bilingual } from '$lib/bindings/Bilingual';
import type { BoundaryError } from '$lib/bindings/BoundaryError';
import type { EvidenceKind } from '$lib/bindings/EvidenceKind';
import type { EvidenceScan } from '$lib/bindings/EvidenceScan';
import { Task } from '$lib/task.svelte';

export type EvidencePhase = 'idle' | 'reading' | 'password' | 'result' | 'adding';

/** A bill zip waiting for its password: which file, its lock, where the password was sent. */
export interface LockedZip {
  path: string;
  lock: 'zip_crypto' | 'aes';
  /** A password was given and did not open it. */
  wrong: boolean;
  hint: Bilingual;
}

/** The locked zip a `password` error names, or null for any other error. */
export function lockedZip(path: string, e: BoundaryError): LockedZip | null {
  if (e.code !== 'password') return null;
  const d = (e.details ?? {}) as Record<string, unknown>;
  const h = (d.hint ?? {}) as Record<string, unknown>;
  return {
    path,
    lock: d.lock === 'aes' ? 'aes' : 'zip_crypto',
    wrong: d.wrong === true,
    hint: { 'zh-CN': typeof h['zh-CN'] === 'string' ? h['zh-CN'] : '', en: typeof h.en === 'string' ? h.en : '' },
  };
}

/** What the panel needs of the app: the open case, and adding to it. */
export type EvidenceApp = Pick<AppState, 'caseId' | 'evidenceAdded' | 'acceptEvidence' | 'attachFiles'>;

export interface EvidenceOptions {
  /** Called once a scan is shown (the panel moves focus to it). */
  shown?: () => void | Promise<void>;
}

/** The last part of a path, `/` or `\` separated. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

export class EvidenceState {
  phase = $state<EvidencePhase>('idle');
  /** What is being read or was read: a file's name, or null for pasted text. */
  inputName = $state<string | null>(null);
  scan = $state<EvidenceScan | null>(null);
  /** The ranked candidates the user ticked (direct ones need no tick). */
  picks = $state<number[]>([]);
  error = $state<BoundaryError | null>(null);
  /** A quiet note: the read was stopped. */
  note = $state<'cancelled' | null>(null);
  /** The files dropped or chosen together, still to read (one at a time). */
  queue = $state<string[]>([]);
  /** The text in the paste box. */
  pasted = $state('');
  /** The bill zip asking for its password (phase `password`). */
  locked = $state<LockedZip | null>(null);
  /** What is typed in the password box; cleared once used. */
  password = $state('');
  /** Files are being dragged over the window. */
  dragging = $state(false);
  /** What the files attached next are (a chat with customer service, as a rule). */
  attachKind = $state<EvidenceKind>('chat_log');
  /** Attaching files: in progress, how many were attached last, or why it failed. */
  attaching = $state(false);
  attachedCount = $state<number | null>(null);
  attachError = $state<BoundaryError | null>(null);
  /** The file or text being read: bytes read of all, and Cancel. */
  readonly reading: Task<EvidenceProgress>;

  private readonly app: EvidenceApp;
  private readonly backend: Backend;
  private readonly shown: () => void | Promise<void>;

  constructor(app: EvidenceApp, backend: Backend, options: EvidenceOptions = {}) {
    this.app = app;
    this.backend = backend;
    this.shown = options.shown ?? (() => {});
    this.reading = new Task(() => backend.cancelEvidence());
  }

  get progress(): EvidenceProgress | null {
    return this.reading.progress;
  }

  get cancelling(): boolean {
    return this.reading.cancelling;
  }

  /** Reading, adding or asking for a password: no other input is taken. */
  get busy(): boolean {
    return this.phase === 'reading' || this.phase === 'adding' || this.phase === 'password';
  }

  /** How much of the file is read, 0 to 100. */
  get percent(): number {
    const p = this.progress;
    return p && p.total > 0 ? Math.min(100, Math.round((p.done / p.total) * 100)) : 0;
  }

  /** How many records "Add" would add: the direct ones and the ticked ones not in the case yet. */
  get toAdd(): number {
    const s = this.scan;
    return s ? s.candidates.filter((c, i) => !c.already_in_case && (c.direct || this.picks.includes(i))).length : 0;
  }

  get directCount(): number {
    return this.scan ? this.scan.candidates.filter((c) => c.direct).length : 0;
  }

  /**
   * Listens to files dragged over the window (a dropped file is read).
   * Returns what to do when the panel goes: stop listening, and stop a
   * file being read.
   */
  attach(): () => void {
    let unlisten: Unlisten | null = null;
    let gone = false;
    void this.backend
      .onFileDrop((d) => this.drop(d))
      .then((u) => {
        if (gone) u();
        else unlisten = u;
      })
      .catch(() => {
        // no drag and drop here: the button and the paste box still work
      });
    return () => {
      gone = true;
      unlisten?.();
      if (this.phase === 'reading') void this.backend.cancelEvidence().catch(() => {});
    };
  }

  /** Files over the window: highlight; dropped: read the first. */
  drop(d: FileDrop) {
    if (d.type === 'over') {
      this.dragging = true;
    } else if (d.type === 'leave') {
      this.dragging = false;
    } else {
      this.dragging = false;
      if (this.busy || d.paths.length === 0) return;
      void this.readMany(d.paths);
    }
  }

  private begin(name: string | null) {
    this.phase = 'reading';
    this.inputName = name;
    this.scan = null;
    this.picks = [];
    this.error = null;
    this.note = null;
    this.app.evidenceAdded = null;
  }

  private async show(s: EvidenceScan) {
    this.scan = s;
    this.picks = [];
    this.phase = 'result';
    await this.shown();
  }

  private failed(err: BoundaryError, cancelled: boolean, path: string | null = null) {
    const locked = path ? lockedZip(path, err) : null;
    if (locked) {
      this.locked = locked;
      this.phase = 'password';
      return;
    }
    this.phase = 'idle';
    if (cancelled) this.note = 'cancelled';
    else this.error = err;
  }

  /** Reads a bill export (or a text file of SMS, or a bill zip, or a screenshot) with its progress. */
  async readFile(path: string) {
    this.locked = null;
    await this.scanFile(path, null);
  }

  /** Reads files dropped or chosen together, one after the other: each is added or put away before the next. */
  async readMany(paths: string[]) {
    if (paths.length === 0) return;
    this.queue = paths.slice(1);
    await this.readFile(paths[0]);
  }

  /** The names of the files still to read. */
  get queued(): string[] {
    return this.queue.map(baseName);
  }

  /** Reads the next file of those dropped or chosen together. */
  async next() {
    const [path, ...rest] = this.queue;
    if (path === undefined || this.busy) return;
    this.queue = rest;
    await this.readFile(path);
  }

  /** Forgets the files still to read. */
  skipRest() {
    this.queue = [];
  }

  private async scanFile(path: string, password: string | null) {
    const id = this.app.caseId;
    if (!id) return;
    this.begin(baseName(path));
    await this.reading.run({
      listen: (handler) => this.backend.onEvidenceProgress(handler),
      work: () => this.backend.scanEvidenceFile(id, path, password),
      done: (s) => {
        this.locked = null;
        return this.show(s);
      },
      failed: (e, cancelled) => this.failed(e, cancelled, path),
    });
  }

  /** Opens the locked zip with the typed password (which is then forgotten). */
  async unlock() {
    const locked = this.locked;
    const password = this.password;
    if (!locked || !password) return;
    this.password = '';
    await this.scanFile(locked.path, password);
  }

  /** Gives up on the locked zip (and goes on with the next file, if any). */
  cancelPassword() {
    this.locked = null;
    this.password = '';
    this.phase = 'idle';
    void this.next();
  }

  /** Asks for files (several at once) and reads them one after the other. */
  async chooseFile(filterName: string) {
    this.error = null;
    try {
      await this.readMany(await this.backend.chooseEvidenceFiles(filterName));
    } catch (e) {
      this.error = toBoundaryError(e);
    }
  }

  /** Asks for files and attaches them to the case as `attachKind` (kept with it, named in the complaints). */
  async attachFiles(filterName: string) {
    this.attachedCount = null;
    this.attachError = null;
    try {
      const paths = await this.backend.chooseEvidenceFiles(filterName);
      if (paths.length === 0) return;
      this.attaching = true;
      this.attachedCount = await this.app.attachFiles(paths, this.attachKind);
    } catch (e) {
      this.attachError = toBoundaryError(e);
    } finally {
      this.attaching = false;
    }
  }

  /** Reads the pasted text. */
  async readText() {
    const id = this.app.caseId;
    const text = this.pasted.trim();
    if (!id || !text) return;
    this.begin(null);
    await this.reading.run({
      work: () => this.backend.scanEvidenceText(id, text),
      done: (s) => this.show(s),
      failed: (e, cancelled) => this.failed(e, cancelled),
    });
  }

  /** Stops the file being read, and the ones after it. */
  cancel(): Promise<void> {
    this.queue = [];
    return this.reading.cancel();
  }

  /** Ticks or unticks a ranked candidate. */
  toggle(i: number, on: boolean) {
    this.picks = on
      ? [...this.picks.filter((p) => p !== i), i].sort((a, b) => a - b)
      : this.picks.filter((p) => p !== i);
  }

  /** Adds the direct candidates and the ticked ones; the case is checked again. */
  async accept() {
    const scan = this.scan;
    if (!scan || this.toAdd === 0) return;
    const chosen = [...this.picks];
    this.phase = 'adding';
    this.error = null;
    try {
      await this.app.acceptEvidence(chosen, scan.format_label);
      // Added (the check has run again) or nothing new: ready for more.
      this.discard();
    } catch (e) {
      this.error = toBoundaryError(e);
      this.phase = 'result';
    }
  }

  /** Puts the scan away, ready for another file or text; the next file dropped or chosen with it is read. */
  discard() {
    this.reading.forget();
    this.locked = null;
    this.password = '';
    this.phase = 'idle';
    this.scan = null;
    this.picks = [];
    this.error = null;
    this.note = null;
    void this.next();
  }
}
