import { setMaxListeners } from 'node:events';

/**
 * Cancellation inside a run: one scope for the run, and a child for each group (its first failure
 * stops its siblings) and each step with a timeout.
 *
 * Why not an `AbortController` each: a group made one per run, and creating it, linking it to its
 * parent with `addEventListener` and lifting its listener limit cost 5-17 us between one function's
 * end and the next one's start (FINRA's fan-out, measured). A scope is a plain object: a child costs
 * an allocation, it links to its parent only when something first waits on it, and the
 * `AbortSignal` that functions (`ctx.signal`) and other tiers need is made only when one asks for it.
 */
export class CancelScope {
  #aborted = false;
  #reason: unknown;
  /** What waits on this scope; created by the first `watch`, which also links the scope to its parent. */
  #watchers: Set<() => void> | undefined;
  #unlink: (() => void) | undefined;
  #signal: AbortSignal | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param parent aborting it aborts this scope too.
   * @param listeners about how many listeners `signal` may get (a group's branches each add some):
   *   past Node's warning threshold the limit is lifted when the signal is made.
   */
  constructor(
    private readonly parent?: CancelScope,
    private readonly listeners = 1,
  ) {}

  /** A scope that `this` aborting aborts too; `dispose()` it when done. */
  child(listeners = 1): CancelScope {
    return new CancelScope(this, listeners);
  }

  /**
   * A child that aborts with `reason()` after `ms` (a step's or an operator's timeout), unless it is
   * disposed first: dispose it when what it bounds is over.
   */
  timeout(ms: number, reason: () => unknown): CancelScope {
    const child = new CancelScope(this);
    child.#timer = setTimeout(() => child.abort(reason()), ms);
    return child;
  }

  /** Whether this scope, or one above it, has aborted. */
  get aborted(): boolean {
    return this.#aborted || (this.parent !== undefined && this.parent.aborted);
  }

  /** Why: the reason of the first abort that reached this scope (undefined while not aborted). */
  get reason(): unknown {
    return this.#aborted ? this.#reason : this.parent?.reason;
  }

  /** Aborts this scope and everything below it (no effect once aborted). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#fire();
  }

  /**
   * Calls `onAbort` once when this scope aborts, unless the returned function is called first.
   * Callers check `aborted` first; on a scope that has aborted already, `onAbort` runs a microtask later.
   */
  watch(onAbort: () => void): () => void {
    if (this.aborted) {
      let wanted = true;
      queueMicrotask(() => {
        if (wanted) onAbort();
      });
      return () => {
        wanted = false;
      };
    }
    let watchers = this.#watchers;
    if (!watchers) {
      watchers = new Set();
      this.#watchers = watchers;
      if (this.parent) this.#unlink = this.parent.watch(() => this.#parentAborted());
    }
    watchers.add(onAbort);
    const set = watchers;
    return () => {
      set.delete(onAbort);
    };
  }

  /**
   * An `AbortSignal` that aborts with this scope, for code that takes one (a function's `ctx.signal`,
   * another tier's call). Made on first use, once per scope.
   */
  get signal(): AbortSignal {
    if (this.#signal) return this.#signal;
    const controller = new AbortController();
    // Node warns past 10 listeners on one signal; many branches waiting on their group's is no leak.
    if (this.listeners > MANY_LISTENERS) setMaxListeners(0, controller.signal);
    this.#signal = controller.signal;
    if (this.aborted) controller.abort(this.reason);
    else this.watch(() => controller.abort(this.reason));
    return controller.signal;
  }

  /**
   * Unlinks this scope from its parent (what still waits on it is no longer told of the parent's
   * abort) and stops its timeout, if it has one.
   */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#watchers = undefined;
    this.#unlink?.();
    this.#unlink = undefined;
  }

  #parentAborted(): void {
    if (!this.#aborted) {
      this.#aborted = true;
      this.#reason = this.parent?.reason;
    }
    this.#fire();
  }

  #fire(): void {
    const watchers = this.#watchers;
    this.dispose();
    if (watchers) for (const watcher of [...watchers]) watcher();
  }
}

/** Node warns about a possible leak past 10 listeners of one event on one target. */
const MANY_LISTENERS = 8;
