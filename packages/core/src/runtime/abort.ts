import type { CancelScope } from './cancel-scope.js';
import { MAX_TIMER_MS } from '../graph/validate.js';

/**
 * Small helpers around a `CancelScope`: every wait in the runtime races the run's cancellation, so
 * that a cancelled run or a timed-out step never leaves its caller hanging.
 */

/**
 * Resolves or rejects like `value`, or rejects with the scope's reason as soon as it aborts;
 * `cleanup` runs once, when either happens. This races every wait of a run.
 */
export function raceAbort<T>(value: T | PromiseLike<T>, scope: CancelScope, cleanup?: () => void): Promise<T> {
  if (!isThenable(value)) {
    cleanup?.();
    return scope.aborted ? Promise.reject(scope.reason) : Promise.resolve(value);
  }
  return raceAbortThen(value, scope, cleanup, same, rethrow);
}

const same = <T>(value: T): T => value;
const rethrow = (reason: unknown): never => {
  throw reason;
};

/**
 * Races `value` against the scope as `raceAbort` does, but what the race settles with is worked out
 * in the turn the value (or the abort) comes in, before anything waiting on the race is told:
 * `onValue(value)` or `onError(reason)`, either of which may throw, or return a promise to wait on.
 * The executor reports a function's step there, so that the next step starts one turn later.
 */
export function raceAbortThen<T, R>(
  value: PromiseLike<T>,
  scope: CancelScope,
  cleanup: (() => void) | undefined,
  onValue: (value: T) => R | PromiseLike<R>,
  onError: (reason: unknown) => R | PromiseLike<R>,
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    if (scope.aborted) {
      cleanup?.();
      // Nobody waits for `value` now: a later rejection of it is no unhandled one.
      try {
        value.then(undefined, ignore);
      } catch {
        // A thenable whose `then` throws: the scope's reason is what the race settles with anyway.
      }
      settleWith(resolve, reject, onError, scope.reason);
      return;
    }
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      unwatch();
      cleanup?.();
      return true;
    };
    const unwatch = scope.watch(() => {
      if (finish()) settleWith(resolve, reject, onError, scope.reason);
    });
    try {
      value.then(
        (v) => {
          if (finish()) settleWith(resolve, reject, onValue, v);
        },
        (e: unknown) => {
          if (finish()) settleWith(resolve, reject, onError, e);
        },
      );
    } catch (error) {
      // A thenable of the caller's own whose `then` throws: a failure like any other.
      if (finish()) settleWith(resolve, reject, onError, error);
    }
  });
}

const ignore = (): void => undefined;

/** Settles a promise with what `work(input)` returns, or with what it throws. */
function settleWith<A, R>(resolve: (value: R | PromiseLike<R>) => void, reject: (reason: unknown) => void, work: (input: A) => R | PromiseLike<R>, input: A): void {
  try {
    resolve(work(input));
  } catch (error) {
    reject(error);
  }
}

/** Waits `ms` (at most the longest delay a timer keeps), or rejects with the scope's reason if it aborts first. */
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
    }, Math.min(ms, MAX_TIMER_MS));
  });
}

export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
