import { describe, expect, it, vi } from 'vitest';
import type { Unlisten } from '$lib/backend';
import { Task } from '$lib/task.svelte';

/** A progress event source: `emit` reaches whoever listens; `listening` counts them. */
function events<P>() {
  const handlers = new Set<(p: P) => void>();
  return {
    listen: (h: (p: P) => void): Promise<Unlisten> => {
      handlers.add(h);
      return Promise.resolve(() => handlers.delete(h));
    },
    emit: (p: P) => handlers.forEach((h) => h(p)),
    get listening() {
      return handlers.size;
    },
  };
}

/** A promise resolved or rejected from outside. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('Task', () => {
  it('shows the progress of the run, hands over its value and stops listening', async () => {
    const task = new Task<number>();
    const ev = events<number>();
    const work = deferred<string>();
    const done = vi.fn();
    const running = task.run({ listen: ev.listen, work: () => work.promise, done });
    expect(task.running, 'running at once').toBe(true);
    expect(task.progress, 'no progress before the first event').toBeNull();
    await flush();
    ev.emit(3);
    expect(task.progress).toBe(3);
    work.resolve('report');
    await running;
    expect(done).toHaveBeenCalledWith('report', false);
    expect(task.running).toBe(false);
    expect(ev.listening, 'unlistened once the run ended').toBe(0);
    expect(task.progress, 'the last progress is kept').toBe(3);
  });

  it('turns a failure into a BoundaryError, stops listening, and never rejects', async () => {
    const task = new Task<number>();
    const ev = events<number>();
    const failed = vi.fn();
    await task.run({ listen: ev.listen, work: () => Promise.reject(new Error('boom')), failed });
    expect(failed).toHaveBeenCalledWith({ code: 'internal', message: 'boom', details: null }, false);
    expect(ev.listening).toBe(0);
    expect(task.running).toBe(false);
  });

  it('ignores what a stale run answers: its progress, its value and its end', async () => {
    const task = new Task<string>();
    const ev = events<string>();
    const first = deferred<number>();
    const second = deferred<number>();
    const done = vi.fn();
    const a = task.run({ listen: ev.listen, work: () => first.promise, done });
    await flush();
    const b = task.run({ work: () => second.promise, done });
    expect(task.progress, 'a new run starts without progress').toBeNull();
    ev.emit('from the first run');
    expect(task.progress, 'the first run is stale').toBeNull();
    first.resolve(1);
    await a;
    expect(done, 'a stale value is dropped').not.toHaveBeenCalled();
    expect(task.running, 'and a stale end does not end the new run').toBe(true);
    second.resolve(2);
    await b;
    expect(done).toHaveBeenCalledExactlyOnceWith(2, false);
    expect(task.running).toBe(false);
  });

  it('cancels through the backend; the run says it was cancelled', async () => {
    const stop = vi.fn(() => Promise.resolve());
    const task = new Task(stop);
    const work = deferred<string>();
    const done = vi.fn();
    const running = task.run({ work: () => work.promise, done });
    await task.cancel();
    expect(stop).toHaveBeenCalledOnce();
    expect(task.cancelling).toBe(true);
    work.resolve('finished anyway');
    await running;
    expect(done, 'resolved after a cancel: cancelled').toHaveBeenCalledWith('finished anyway', true);
    expect(task.cancelling).toBe(false);

    await task.cancel();
    expect(stop, 'nothing runs: nothing to stop').toHaveBeenCalledOnce();
  });

  it('counts the backend’s `cancelled` error as a cancel, and a failing stop as nothing', async () => {
    const task = new Task(() => Promise.reject(new Error('no such run')));
    const failed = vi.fn();
    await task.run({
      work: () => Promise.reject({ code: 'cancelled', message: 'the check was cancelled', details: null }),
      failed,
    });
    expect(failed.mock.calls[0][1]).toBe(true);

    const work = deferred<void>();
    const running = task.run({ work: () => work.promise, failed });
    await expect(task.cancel(), 'a stop that fails is not an error').resolves.toBeUndefined();
    work.reject({ code: 'store', message: 'disk full', details: null });
    await running;
    expect(failed.mock.calls[1], 'failed while cancelling: cancelled').toEqual([
      { code: 'store', message: 'disk full', details: null },
      true,
    ]);
  });

  it('hands a failure of `done` to `failed`', async () => {
    const task = new Task();
    const failed = vi.fn();
    await task.run({
      work: () => Promise.resolve(1),
      done: () => {
        throw new Error('could not show it');
      },
      failed,
    });
    expect(failed.mock.calls[0][0].message).toBe('could not show it');
  });

  it('forgets a run: what it answers later is ignored', async () => {
    const task = new Task<number>();
    const work = deferred<string>();
    const done = vi.fn();
    const running = task.run({ work: () => work.promise, done });
    task.forget();
    expect(task.running).toBe(false);
    work.resolve('late');
    await running;
    expect(done).not.toHaveBeenCalled();
  });
});
