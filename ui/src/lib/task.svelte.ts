// One kind of background work at a time — a check, an evidence scan, a
// batch run, a complaint being written — that may report progress through
// an event and may be cancelled. Starting it again makes the earlier run
// stale: whatever that run still answers is ignored, so an old answer never
// lands on top of a newer one.

import type { Unlisten } from '$lib/backend';
import { toBoundaryError } from '$lib/backend';
import type { BoundaryError } from '$lib/bindings/BoundaryError';

/** One run of a task. */
export interface Job<R, P> {
  /** Subscribes to the run's progress event; its payloads become `progress` (until unsubscribed when the run ends). */
  listen?: (handler: (progress: P) => void) => Promise<Unlisten>;
  /** The work itself: rejects with anything, it is turned into a `BoundaryError`. */
  work: () => Promise<R>;
  /** The run resolved and is still the latest. `cancelled`: a cancel was asked while it ran. */
  done?: (value: R, cancelled: boolean) => void | Promise<void>;
  /**
   * The run (or `done`) rejected and is still the latest. `cancelled`: it
   * was stopped — the backend said `cancelled`, or a cancel was asked.
   */
  failed?: (error: BoundaryError, cancelled: boolean) => void | Promise<void>;
}

export class Task<P = never> {
  /** A run is under way. */
  running = $state(false);
  /** Cancel was asked and the run has not ended yet. */
  cancelling = $state(false);
  /** The latest run's last progress event; `null` until its first. Kept after the run ends. */
  progress = $state<P | null>(null);

  private readonly stop: (() => Promise<void>) | null;
  private latest = 0;

  /** `stop` asks the backend to stop the work (none: the task cannot be cancelled). */
  constructor(stop?: () => Promise<void>) {
    this.stop = stop ?? null;
  }

  /**
   * Runs `job`: listens to its progress, does the work, hands the outcome to
   * `done` or `failed` unless a newer run started meanwhile, and always
   * stops listening. Never rejects.
   */
  async run<R>(job: Job<R, P>): Promise<void> {
    const id = ++this.latest;
    const current = () => id === this.latest;
    this.running = true;
    this.cancelling = false;
    this.progress = null;
    let unlisten: Unlisten | null = null;
    try {
      if (job.listen) {
        unlisten = await job.listen((p) => {
          if (current()) this.progress = p;
        });
      }
      const value = await job.work();
      if (current()) await job.done?.(value, this.cancelling);
    } catch (e) {
      if (current()) {
        const error = toBoundaryError(e);
        await job.failed?.(error, error.code === 'cancelled' || this.cancelling);
      }
    } finally {
      unlisten?.();
      if (current()) {
        this.running = false;
        this.cancelling = false;
      }
    }
  }

  /** Asks the running work to stop; its run then ends (`done` or `failed` says it was cancelled). */
  async cancel(): Promise<void> {
    if (!this.running || !this.stop) return;
    this.cancelling = true;
    try {
      await this.stop();
    } catch {
      // the work ends on its own
    }
  }

  /** Forgets the current run: whatever it still answers is ignored. */
  forget() {
    this.latest++;
    this.running = false;
    this.cancelling = false;
    this.progress = null;
  }
}
