// The batch screen's state: the orders file and its preview, where the
// report goes, the run's progress, its result. Kept by the AppState, so
// leaving the screen (for the sources' settings, say) loses nothing and a
// run goes on.

import type { Backend } from '$lib/backend';
import { toBoundaryError } from '$lib/backend';
import type { BatchOutcome } from '$lib/bindings/BatchOutcome';
import type { BatchPreview } from '$lib/bindings/BatchPreview';
import type { BatchProgress } from '$lib/bindings/BatchProgress';
import type { BatchRun } from '$lib/bindings/BatchRun';
import type { BoundaryError } from '$lib/bindings/BoundaryError';
import { Task } from '$lib/task.svelte';

/** The outcomes in the order the screen shows them. */
export const OUTCOMES: BatchOutcome[] = ['settled', 'waiting', 'broken_link', 'unknown', 'error'];

/** Orders checked at once unless the user picks another number (as the CLI's `--concurrency`). */
export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 32;

/** The last part of a path, `/` or `\` separated. */
export function baseName(path: string): string {
  return path.split(/[/\\]/).pop() ?? path;
}

/** `orders.csv` → `orders-report.csv`. */
export function reportName(ordersPath: string): string {
  const name = baseName(ordersPath).replace(/\.(csv|txt)$/i, '');
  return `${name || 'orders'}-report.csv`;
}

export class BatchState {
  ordersPath = $state<string | null>(null);
  preview = $state<BatchPreview | null>(null);
  previewing = $state(false);
  /** Why the orders file cannot be used. */
  previewError = $state<BoundaryError | null>(null);

  reportPath = $state<string | null>(null);
  concurrency = $state(DEFAULT_CONCURRENCY);
  offline = $state(false);

  /** The run under way: orders done of all, counts by outcome; Cancel. */
  readonly task: Task<BatchProgress>;
  /** The last run's result: complete, or cut short by a cancel. */
  result = $state<BatchRun | null>(null);
  /** Why the run could not start or stopped. */
  runError = $state<BoundaryError | null>(null);

  /** Where a copy of the report was saved, last. */
  savedTo = $state<string | null>(null);
  saveError = $state<BoundaryError | null>(null);

  private readonly backend: Backend;

  constructor(backend: Backend) {
    this.backend = backend;
    this.task = new Task(() => backend.batchCancel());
  }

  get running(): boolean {
    return this.task.running;
  }

  get cancelling(): boolean {
    return this.task.cancelling;
  }

  /** The run's last progress event (kept after it ends, until another file or run). */
  get progress(): BatchProgress | null {
    return this.task.progress;
  }

  /** Whether a run stopped before every order was done (Resume continues it). */
  get partial(): boolean {
    return !!this.result && this.result.summary.done < this.result.summary.total;
  }

  /** Asks for an orders file and previews it. */
  async chooseOrders(filterName: string) {
    let path: string | null;
    try {
      path = await this.backend.chooseOrdersFile(filterName);
    } catch (e) {
      this.previewError = toBoundaryError(e);
      return;
    }
    if (path) await this.load(path);
  }

  /** Reads `path` and shows what it holds; forgets the previous file's run. */
  async load(path: string) {
    this.ordersPath = path;
    this.preview = null;
    this.previewError = null;
    this.reportPath = null;
    this.result = null;
    this.task.progress = null;
    this.runError = null;
    this.savedTo = null;
    this.saveError = null;
    this.previewing = true;
    try {
      const p = await this.backend.batchPreview(path);
      if (this.ordersPath === path) this.preview = p;
    } catch (e) {
      if (this.ordersPath === path) this.previewError = toBoundaryError(e);
    } finally {
      if (this.ordersPath === path) this.previewing = false;
    }
  }

  /** Asks where the report goes. */
  async chooseReport(filterName: string) {
    if (!this.ordersPath) return;
    try {
      const path = await this.backend.chooseSavePath(reportName(this.ordersPath), [
        { name: filterName, extensions: ['csv'] },
      ]);
      if (path) {
        this.reportPath = path;
        this.runError = null;
      }
    } catch (e) {
      this.runError = toBoundaryError(e);
    }
  }

  /** Checks every order into the report; with `resume`, the orders already in it are not asked again. */
  async run(resume = false) {
    const path = this.ordersPath;
    const report = this.reportPath;
    if (!path || !report || this.running) return;
    this.runError = null;
    this.savedTo = null;
    this.saveError = null;
    if (!resume) this.result = null;
    await this.task.run({
      listen: (handler) => this.backend.onBatchProgress(handler),
      work: () => {
        const concurrency = Math.min(MAX_CONCURRENCY, Math.max(1, Math.round(this.concurrency) || DEFAULT_CONCURRENCY));
        this.concurrency = concurrency;
        return this.backend.batchRun(path, report, { concurrency, resume, offline: this.offline });
      },
      done: (result) => {
        this.result = result;
      },
      failed: (e) => {
        this.runError = e;
      },
    });
  }

  /** Stops the run; the report keeps the finished orders. */
  cancel(): Promise<void> {
    return this.task.cancel();
  }

  /** Saves a copy of the report where the user chooses. */
  async saveCopy(filterName: string) {
    const from = this.result?.report;
    if (!from) return;
    this.saveError = null;
    try {
      const to = await this.backend.chooseSavePath(baseName(from), [{ name: filterName, extensions: ['csv'] }]);
      if (!to) return;
      await this.backend.batchSaveReport(from, to);
      this.savedTo = to;
    } catch (e) {
      this.saveError = toBoundaryError(e);
    }
  }

  /** Shows the report in the file manager. */
  async reveal() {
    const path = this.result?.report ?? this.reportPath;
    if (!path) return;
    try {
      await this.backend.revealPath(path);
    } catch (e) {
      this.saveError = toBoundaryError(e);
    }
  }

  /** Another orders file: back to the start of the flow (a running batch is left alone). */
  reset() {
    if (this.running) return;
    this.ordersPath = null;
    this.preview = null;
    this.previewError = null;
    this.reportPath = null;
    this.result = null;
    this.task.progress = null;
    this.runError = null;
    this.savedTo = null;
    this.saveError = null;
  }
}
