/**
 * Waits for the pending branches of a group (`parallel` or `map`) and settles once: with `result()`
 * in the turn the last one comes in, or with the first failure, after `stop(error)` has stopped the
 * others. Not `Promise.all`: with the `then` and `finally` around it, it stood six more microtask
 * turns between the last branch's end and the next function's start (see test/async-handoff.test.ts).
 */
export class Join<T> {
  readonly promise: Promise<T>;
  private resolve!: (value: T) => void;
  private reject!: (reason: unknown) => void;
  private waiting = 0;
  private closed = false;
  private over = false;

  constructor(
    private readonly stop: (error: unknown) => void,
    private readonly result: () => T,
  ) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Branches added and not yet in. */
  get pending(): number {
    return this.waiting;
  }

  /** Whether the group is over: settled, or given up. */
  get isOver(): boolean {
    return this.over;
  }

  /**
   * Waits for `branch` too. `take` gets its output, no longer counted as pending, and may add
   * branches (a map starting its next item) before the join looks whether it is done.
   */
  add(branch: Promise<unknown>, take: (output: unknown) => void): void {
    this.waiting++;
    branch.then(
      (output: unknown) => {
        if (this.over) return;
        this.waiting--;
        take(output);
        this.settleIfDone();
      },
      (error: unknown) => this.fail(error),
    );
  }

  /** No branch will be added any more: the join settles once the pending ones are in. */
  close(): void {
    this.closed = true;
    this.settleIfDone();
  }

  /** The group fails with `error`: the others are stopped, and what they bring later is ignored. */
  fail(error: unknown): void {
    if (this.over) return;
    this.over = true;
    this.stop(error);
    this.reject(error);
  }

  /**
   * The group failed synchronously, its error thrown to the caller: nobody waits on `promise`, which
   * never settles; what the pending branches bring later is ignored.
   */
  abandon(): void {
    this.over = true;
  }

  private settleIfDone(): void {
    if (this.over || !this.closed || this.waiting > 0) return;
    this.over = true;
    try {
      this.resolve(this.result());
    } catch (error) {
      this.reject(error);
    }
  }
}
