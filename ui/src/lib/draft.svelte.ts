// The intake's screenshots: the payment app's 账单详情 and the platform's
// order page, dropped on the window or chosen, are read on this computer
// and fill the form; each filled field says which screenshot it came from.

import type { AppState } from '$lib/app.svelte';
import type { Backend, EvidenceProgress, FileDrop, Unlisten } from '$lib/backend';
import type { BoundaryError } from '$lib/bindings/BoundaryError';
import type { Draft } from '$lib/bindings/Draft';
import { DRAFT_FIELD, withDraft } from '$lib/form';
import { Task } from '$lib/task.svelte';

/** What the intake needs of the app: the form and its errors. */
export type DraftApp = Pick<AppState, 'form' | 'fieldErrors' | 'shotPaths'>;

export type DraftPhase = 'idle' | 'reading' | 'done';

export class ScreenshotDraft {
  phase = $state<DraftPhase>('idle');
  /** The last draft the form was filled from. */
  draft = $state<Draft | null>(null);
  error = $state<BoundaryError | null>(null);
  /** The last reading was stopped. */
  cancelled = $state(false);
  /** Files are being dragged over the window. */
  dragging = $state(false);
  /** How many screenshots are being read. */
  count = $state(0);
  readonly reading: Task<EvidenceProgress>;

  private readonly app: DraftApp;
  private readonly backend: Backend;

  constructor(app: DraftApp, backend: Backend) {
    this.app = app;
    this.backend = backend;
    this.reading = new Task(() => backend.cancelEvidence());
  }

  get percent(): number {
    const p = this.reading.progress;
    return p && p.total > 0 ? Math.min(100, Math.round((p.done / p.total) * 100)) : 0;
  }

  /** The form's fields the last draft filled, with the screenshot (1-based) each came from. */
  get filled(): { field: string; shot: number }[] {
    const d = this.draft;
    if (!d) return [];
    return d.from.filter((f) => f.field in DRAFT_FIELD).map((f) => ({ field: DRAFT_FIELD[f.field], shot: f.shot + 1 }));
  }

  /** Which screenshot (1-based) the form's `field` was filled from, if one was. */
  shotOf(field: string): number | null {
    return this.filled.find((f) => f.field === field)?.shot ?? null;
  }

  async choose(filterName: string) {
    if (this.phase === 'reading') return;
    let paths: string[];
    try {
      paths = await this.backend.chooseScreenshots(filterName);
    } catch (e) {
      this.error = e as BoundaryError;
      return;
    }
    if (paths.length) await this.read(paths);
  }

  async read(paths: string[]) {
    this.phase = 'reading';
    this.error = null;
    this.cancelled = false;
    this.count = paths.length;
    await this.reading.run({
      listen: (h) => this.backend.onEvidenceProgress(h),
      work: () => this.backend.draftCase(paths),
      done: (d, cancelled) => {
        if (cancelled) {
          this.phase = this.draft ? 'done' : 'idle';
          this.cancelled = true;
          return;
        }
        this.app.form = withDraft(this.app.form, d.case);
        this.app.fieldErrors = {};
        this.app.shotPaths = [...this.app.shotPaths, ...paths.filter((p) => !this.app.shotPaths.includes(p))];
        this.draft = d;
        this.phase = 'done';
      },
      failed: (error, cancelled) => {
        this.phase = this.draft ? 'done' : 'idle';
        if (cancelled) this.cancelled = true;
        else this.error = error;
      },
    });
  }

  cancel() {
    void this.reading.cancel();
  }

  /** Files over the window: highlight; dropped: read them all. */
  drop(d: FileDrop) {
    if (d.type === 'over') this.dragging = true;
    else if (d.type === 'leave') this.dragging = false;
    else {
      this.dragging = false;
      if (this.phase === 'reading' || d.paths.length === 0) return;
      void this.read(d.paths);
    }
  }

  /** Listens to files dropped on the window; returns how to stop (and stops a reading). */
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
        // no drag and drop here: the button still works
      });
    return () => {
      gone = true;
      unlisten?.();
      if (this.phase === 'reading') this.cancel();
    };
  }
}
