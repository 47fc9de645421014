import type { FnContext, FnHeap } from '../functions/definition.js';
import type { CancelScope } from './cancel-scope.js';

/**
 * What a function on this thread gets as its context. `signal` is made only when the function reads
 * it: most functions never do, and an `AbortSignal` per step costs microseconds between functions.
 */
export class StepContext implements FnContext {
  readonly #cancel: CancelScope;

  constructor(
    readonly runId: string,
    readonly workflow: string,
    readonly stepPath: string,
    readonly attempt: number,
    cancel: CancelScope,
    readonly heap: FnHeap,
    readonly shared: FnHeap,
  ) {
    this.#cancel = cancel;
  }

  get signal(): AbortSignal {
    return this.#cancel.signal;
  }
}
