import type { CancelScope } from './cancel-scope.js';

/**
 * Small helpers around a `CancelScope`: every wait in the runtime races the run's cancellation, so
 * that a cancelled run or a timed-out step never leaves its caller hanging.
 */

/**
 * Resolves or rejects like `value`, or rejects with the scope's reason as soon as it aborts;
 * `cleanup` runs once, when either happens. This races every pending step. `onValue` sees the value
 * in the turn that resolves the race (the executor stamps a function's end there, so that the next
 * step waits on no further `then`).
 */
export function raceAbort<T>(value: T | PromiseLike<T>, scope: CancelScope, cleanup?: () => void, onValue?: (value: T) => void): Promise<T> {
  if (scope.aborted) {
    cleanup?.();
    return Promise.reject(scope.reason);
  }
  if (!isThenable(value)) {
    onValue?.(value);
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
    const unwatch = scope.watch(() => {
      if (finish()) reject(scope.reason);
    });
    value.then(
      (v) => {
        if (!finish()) return;
        onValue?.(v);
        resolve(v);
      },
      (e: unknown) => {
        if (finish()) reject(e);
      },
    );
  });
}

/** Waits `ms`, or rejects with the scope's reason if it aborts first. */
export function sleep(ms: number, scope: CancelScope): Promise<void> {
  if (scope.aborted) return Promise.reject(scope.reason);
  return new Promise((resolve, reject) => {
    const unwatch = scope.watch(() => {
      clearTimeout(timer);
      reject(scope.reason);
    });
    const timer = setTimeout(() => {
      unwatch();
      resolve();
    }, ms);
  });
}

export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
