/**
 * Cheap abort watching for the executor's hot path.
 *
 * Racing every step against its signal with `addEventListener('abort', ...)` and
 * `removeEventListener(...)` goes through Node's `EventTarget`, which validates its arguments,
 * allocates listener records and walks a linked list on each call: a few microseconds per step,
 * more when that code is cold, and it lay between one function's end and the next one's start. Here
 * each signal gets one `abort` listener, the first time a step watches it, and the steps that wait
 * on it join and leave a plain `Set`.
 */

const WATCHERS = Symbol('faastlane.abortWatchers');

type Watched = AbortSignal & { [WATCHERS]?: Set<() => void> };

/**
 * Calls `onAbort` once when `signal` aborts, unless the returned function is called first. The
 * signal must not be aborted yet (check `signal.aborted` before).
 */
export function watchAbort(signal: AbortSignal, onAbort: () => void): () => void {
  const watched = signal as Watched;
  let watchers = watched[WATCHERS];
  if (!watchers) {
    const set = new Set<() => void>();
    watchers = set;
    watched[WATCHERS] = set;
    signal.addEventListener(
      'abort',
      () => {
        const pending = [...set];
        set.clear();
        for (const watcher of pending) watcher();
      },
      { once: true },
    );
  }
  const set = watchers;
  set.add(onAbort);
  return () => {
    set.delete(onAbort);
  };
}

/**
 * `pending`, or the signal's reason as soon as it aborts (like `raceAbort`, through `watchAbort`);
 * `cleanup` runs when either happens.
 */
export function watched(pending: PromiseLike<unknown>, signal: AbortSignal, cleanup: (() => void) | undefined): Promise<unknown> {
  if (signal.aborted) {
    cleanup?.();
    return Promise.reject(signal.reason);
  }
  return new Promise<unknown>((resolve, reject) => {
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
    pending.then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}
