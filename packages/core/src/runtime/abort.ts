import { setMaxListeners } from 'node:events';
import { watchAbort } from './abort-watch.js';

/**
 * Small helpers around `AbortSignal`: every wait in the runtime races the run's signal, so that a
 * cancelled run or a timed-out step never leaves its caller hanging.
 */

/**
 * Resolves or rejects like `value`, or rejects with the signal's reason as soon as it aborts;
 * `cleanup` runs once, when either happens. Through `watchAbort`: this races every pending step, and
 * Node's `addEventListener`/`removeEventListener` cost microseconds each time.
 */
export function raceAbort<T>(value: T | PromiseLike<T>, signal: AbortSignal, cleanup?: () => void): Promise<T> {
  if (signal.aborted) {
    cleanup?.();
    return Promise.reject(signal.reason);
  }
  if (!isThenable(value)) {
    cleanup?.();
    return Promise.resolve(value);
  }
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      unwatch();
      cleanup?.();
      return true;
    };
    const unwatch = watchAbort(signal, () => {
      if (finish()) reject(signal.reason);
    });
    value.then(
      (v) => {
        if (finish()) resolve(v);
      },
      (e: unknown) => {
        if (finish()) reject(e);
      },
    );
  });
}

/**
 * A controller that aborts when `parent` does. Call `dispose()` when done so the parent holds no reference.
 * `listeners`: about how many listeners its signal may get (a group's branches each add some); past
 * Node's warning threshold the limit is lifted, which costs microseconds, so only then.
 */
export function childController(parent: AbortSignal, listeners = 1): { controller: AbortController; dispose: () => void } {
  const controller = listeners > MANY_LISTENERS ? newController() : new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose: () => undefined };
  }
  // Through watchAbort, not addEventListener: every group of every run makes one of these, and
  // Node's EventTarget bookkeeping cost microseconds between one function and the next.
  const dispose = watchAbort(parent, () => controller.abort(parent.reason));
  return { controller, dispose };
}

/** Node warns about a possible leak past 10 listeners of one event on one target. */
const MANY_LISTENERS = 8;

/**
 * A controller whose signal may have any number of listeners: a `map` over a thousand items has a
 * thousand steps waiting on one signal, which is no leak (each removes its listener when it settles).
 */
export function newController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Waits `ms`, or rejects with the signal's reason if it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
