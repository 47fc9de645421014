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
