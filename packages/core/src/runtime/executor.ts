import { performance } from 'node:perf_hooks';
import { StepTimeoutError, WorkflowCancelledError, WorkflowValidationError } from '../errors.js';
import type { FnDefinition, FnHeap, FnInstance } from '../functions/definition.js';
import { checkInput } from '../functions/input-validation.js';
import type { BackoffSpec } from '../graph/ir.js';
import { stepPath } from '../graph/paths.js';
import type { Measurements } from '../planner/measurements.js';
import { type CatchPlan, type ChoicePlan, type GroupPlan, type LanePlan, type Placement, type RetryPlan, type StepPlan, type TaskPlan, type TimeoutPlan } from '../planner/plan.js';
import { spanHere } from '../hosting/wire.js';
import type { RanSpan } from './events.js';
import type { Tier } from '../tiers/tier.js';
import type { DomainManager } from '../domains/manager.js';
import { PLAIN_HEAP } from '../domains/heaps.js';
import { branchMode, keeping, keepingShared, keepProtected, TOP, type LaneMode } from './lane-mode.js';
import type { Workflow } from '../workflow.js';
import { isThenable, raceAbort, raceAbortThen, sleep } from './abort.js';
import type { CancelScope } from './cancel-scope.js';
import { StepContext } from './step-context.js';
import { backoffDelay } from './backoff.js';
import type { RunEvents } from './run-events.js';
import { batchable, mapInBatches } from './map-batches.js';
import { asStepError, isRetriable, siblingFailed } from './step-errors.js';
import { Join } from './join.js';

/** What one run's executor needs from the runtime. */
export interface ExecutionEnv {
  readonly runId: string;
  readonly workflow: Workflow<unknown, unknown>;
  readonly backoff: BackoffSpec;
  /** The function instances of this runtime (one per class, created on first use). */
  instance(def: FnDefinition): FnInstance<unknown>;
  /** The tier that runs functions placed at `placement` (never called for `main-thread`). */
  tier(placement: Exclude<Placement, 'main-thread'>, fn: string): Tier;
  readonly measurements: Measurements;
  /** Where the run's events go. */
  readonly events: RunEvents;
  /** The runtime's protection domains, for steps placed in `domain` (absent: no such step can run). */
  readonly domains?: DomainManager;
}

/**
 * When a function ran, where it ran (the clock of `RanSpan`): filled in as the attempt goes. For a
 * function on this thread these are the attempt's own clock reads (`performance.now()` just before
 * `run` and when its result was there), which serve its measured times and events too: each read
 * between two functions is part of their hand-off.
 */
interface Ran {
  start?: number;
  end?: number;
}

/** What every attempt of one task shares. */
interface TaskCall {
  readonly def: FnDefinition;
  readonly placement: Placement;
  readonly input: unknown;
  readonly path: string;
  readonly cancel: CancelScope;
  readonly mode: LaneMode;
}

/** One attempt of a task, as it goes. */
interface Attempt {
  readonly call: TaskCall;
  /** Counted from 1. */
  readonly number: number;
  /** `performance.now()` as the attempt started (its input check and any hop count in its time). */
  readonly started: number;
  readonly ran: Ran;
}

/**
 * Runs a plan. Walks the plan tree, passing each step's output to the next step as the same
 * reference (no copy, no serialisation). Every wait races the run's cancellation, so that a
 * cancelled run or a timed-out step never hangs its caller.
 *
 * A step returns its output when it finished synchronously (the lane goes on at once), or a promise
 * of it. A pending step settles that promise in the turn its output comes in: its function's result,
 * or its group's last branch (no `then` chain or `Promise.all` in between), so that the next step
 * starts one turn later.
 */
export class Executor {
  constructor(private readonly env: ExecutionEnv) {}

  lane(lane: LanePlan, input: unknown, scope: string, cancel: CancelScope, mode: LaneMode = TOP): Promise<unknown> {
    try {
      const out = this.steps(lane.steps, 0, input, scope, cancel, mode);
      return out instanceof Promise ? out : Promise.resolve(out);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs `steps` from `from` on. A step that completes synchronously (a synchronous function on
   * this thread) hands its output straight to the next one, with no promise or microtask between
   * them; the first step that is pending returns a promise of the rest of the lane. The result is
   * the lane's output, or a promise of it; a synchronous failure throws.
   *
   * (Handing the rest of the lane to the pending step, to run in the turn its output comes in, saved
   * that one turn on trivial functions, but sentiment's hand-off after its 200-item map took 7 us
   * in each of 8 A/B runs, against 2-3 us without. That gap comes out near 7 us in some processes
   * of either version, so part of it is how V8 compiled the loop. Dropped.)
   */
  private steps(steps: readonly StepPlan[], from: number, input: unknown, scope: string, cancel: CancelScope, mode: LaneMode): unknown {
    let value = input;
    for (let i = from; i < steps.length; i++) {
      if (cancel.aborted) throw cancel.reason;
      const out = this.step(steps[i] as StepPlan, value, scope, cancel, mode);
      if (out instanceof Promise) {
        return i + 1 === steps.length ? out : out.then((v: unknown) => this.steps(steps, i + 1, v, scope, cancel, mode));
      }
      value = out;
    }
    return value;
  }

  /** One step: its output, or a promise of it (a step's output is never itself a promise: those are awaited). */
  private step(step: StepPlan, input: unknown, scope: string, cancel: CancelScope, mode: LaneMode): unknown {
    switch (step.kind) {
      case 'task':
        return this.task(step, input, stepPath.child(scope, step.name), cancel, mode);
      case 'group':
        return step.op === 'parallel' ? this.parallel(step, input, scope, cancel, mode) : this.map(step, input, scope, cancel, mode);
      case 'choice':
        return this.choice(step, input, scope, cancel, mode);
      case 'retry':
        return this.retry(step, input, scope, cancel, mode);
      case 'timeout':
        return this.timeout(step, input, scope, cancel, mode);
      case 'catch':
        return this.catch(step, input, scope, cancel, mode);
    }
  }

  /** A function call, with its retries: the output, or a promise (see `tryTask`) when the call did not finish synchronously. */
  private task(plan: TaskPlan, input: unknown, path: string, cancel: CancelScope, mode: LaneMode): unknown {
    const def = this.env.workflow.functions.get(plan.fn);
    if (!def) throw new WorkflowValidationError([{ path, message: `unknown function "${plan.fn}"` }]);
    const placement: Placement = mode.spilled && plan.placement === 'worker-thread' ? 'container' : plan.placement;
    return this.tryTask({ def, placement, input, path, cancel, mode }, 1);
  }

  /**
   * One attempt of a task, then the next one if it fails and may be retried. Returns the output when
   * the function finished synchronously here; otherwise a promise of it, settled (the step reported)
   * in the turn the function's result comes in, or rejected with the step's error.
   */
  private tryTask(call: TaskCall, number: number): unknown {
    const { def, input, path, cancel } = call;
    if (cancel.aborted) throw cancel.reason;
    const started = performance.now();
    this.env.events.stepStarted(path, number, started);
    const attempt: Attempt = { call, number, started, ran: {} };
    let out: unknown;
    try {
      // Most DTOs' rules are synchronous: then so is the check, and the attempt goes on at once.
      const checked = def.inputType ? checkInput(path, def.inputType, input) : undefined;
      if (checked) return this.validatedTask(attempt, checked);
      out = this.run(attempt);
    } catch (raw) {
      return this.taskFailed(attempt, raw);
    }
    // Pending: `run` has arranged for the attempt's end already.
    return out instanceof Promise ? out : this.taskDone(attempt, out, attempt.ran.end as number);
  }

  /**
   * An attempt whose input check is asynchronous (`checked`: some rule of its DTO is). Settles its own
   * promise rather than returning one from a `then` callback: adopting a promise there costs two
   * more microtask turns between this function's end and the next one's start.
   */
  private validatedTask(attempt: Attempt, checked: Promise<void>): Promise<unknown> {
    const { call } = attempt;
    const timeoutMs = call.def.spec.timeoutMs;
    // A check that stalls (an async rule waiting on a lookup) is bounded by the step's timeout too.
    const bound = timeoutMs === undefined ? call.cancel : call.cancel.timeout(timeoutMs, () => new StepTimeoutError(call.path, timeoutMs, attempt.number));
    const unbind = bound === call.cancel ? undefined : (): void => bound.dispose();
    return new Promise((resolve, reject) => {
      // Each settles the attempt: with the output, or a retry's promise, or the step's error.
      const failed = (raw: unknown): void => {
        try {
          resolve(this.taskFailed(attempt, raw));
        } catch (error) {
          reject(error);
        }
      };
      raceAbort(checked, bound, unbind).then(() => {
        let out: unknown;
        try {
          // The group or run may have stopped while the check ran: then the function must not start.
          if (call.cancel.aborted) throw call.cancel.reason;
          out = this.run(attempt);
        } catch (raw) {
          failed(raw);
          return;
        }
        if (out instanceof Promise) {
          out.then(resolve, reject);
          return;
        }
        try {
          resolve(this.taskDone(attempt, out, attempt.ran.end as number));
        } catch (error) {
          reject(error);
        }
      }, failed);
    });
  }

  /**
   * The attempt itself, where the plan placed it: its output, or (pending) a promise that settles as
   * `tryTask` says.
   */
  private run(attempt: Attempt): unknown {
    const { def, placement, input, mode } = attempt.call;
    if (placement === 'main-thread' || placement === 'domain') return this.attempt(attempt, placement === 'domain');
    // Moved buffers cannot be sent again: a step that may be retried keeps its input and sends copies.
    const transfer = def.spec.retries === 0;
    return this.remoteAttempt(attempt, placement, transfer, keepProtected(this.env.domains, mode.keep, input));
  }

  /**
   * Reports a completed attempt and returns its output (a failure to report it fails the attempt, as
   * before). `now`: the last clock read, as the output came in (for a function here, its end).
   */
  private taskDone(attempt: Attempt, output: unknown, now: number): unknown {
    try {
      return this.completed(attempt, output, now);
    } catch (raw) {
      return this.taskFailed(attempt, raw);
    }
  }

  private completed(attempt: Attempt, output: unknown, now: number): unknown {
    const { call, ran, started } = attempt;
    const { def, placement, path } = call;
    const here = placement === 'main-thread' || placement === 'domain';
    const durationMs = now - started;
    // `ran` holds just the span once both ends are in: the event carries it as it is.
    const span = ran.start !== undefined && ran.end !== undefined ? (ran as RanSpan) : undefined;
    this.env.events.stepCompleted(path, attempt.number, durationMs, span, now);
    if (span && !here) {
      // Off this thread the round trip mixes the function's own time (measured where it ran)
      // with the hop there and back (and any queueing): each is recorded for what it is.
      const ownMs = span.end - span.start;
      this.env.measurements.recordCall(def.spec.name, ownMs);
      this.env.measurements.recordHop(placement, Math.max(0, durationMs - ownMs));
    }
    return output;
  }

  /** Reports a failed attempt; throws its typed error, or returns the promise of the retry. */
  private taskFailed(attempt: Attempt, raw: unknown): Promise<unknown> {
    const { call, number, started } = attempt;
    const { def, path, cancel } = call;
    const error = asStepError(raw, path, number);
    const willRetry = number < 1 + def.spec.retries && isRetriable(error) && !cancel.aborted;
    this.env.events.emit({ type: 'step.failed', path, attempt: number, durationMs: performance.now() - started, error, willRetry });
    if (!willRetry) throw error;
    const delayMs = backoffDelay(this.env.backoff, number);
    this.env.events.emit({ type: 'step.retried', path, attempt: number + 1, delayMs });
    return sleep(delayMs, cancel).then(
      () => this.tryTask(call, number + 1),
      (reason: unknown) => {
        this.retryStopped(path, number + 1, reason);
        throw reason;
      },
    );
  }

  /**
   * A retry announced (`step.retried`) was stopped during its backoff (the run was cancelled, or a
   * sibling failed): its attempt ends there, and says so, so that no announced attempt is left open.
   */
  private retryStopped(path: string, attempt: number, reason: unknown): void {
    this.env.events.emit({ type: 'step.failed', path, attempt, durationMs: 0, error: asStepError(reason, path, attempt), willRetry: false });
  }

  /**
   * One attempt of a function on this thread, bounded by its timeout and the run's cancellation: the
   * output when `run` returned a value, else a promise (see `tryTask`). In a domain (`inDomain`), the
   * synchronous call of `run` (and the first construction of the instance) happens inside the
   * function's protection domain; see `DomainManager.run`.
   *
   * `ran.start` is taken just before `run` is called (after the instance and context are ready) and
   * `ran.end` as soon as its result is there, so that the runtime's own work between functions
   * counts as interaction latency, not as the functions' time.
   */
  private attempt(attempt: Attempt, inDomain: boolean): unknown {
    const { def, path, cancel } = attempt.call;
    const timeoutMs = def.spec.timeoutMs;
    if (timeoutMs === undefined) {
      const result = this.invoke(attempt, cancel, inDomain);
      return this.measured(attempt, result, cancel);
    }

    let timeout: StepTimeoutError | undefined;
    const timedOut = (): StepTimeoutError => (timeout ??= new StepTimeoutError(path, timeoutMs, attempt.number));
    const own = cancel.timeout(timeoutMs, timedOut);
    let result: unknown;
    try {
      result = this.invoke(attempt, own, inDomain);
    } catch (error) {
      own.dispose();
      throw error;
    }
    if (!isThenable(result)) {
      own.dispose();
      // Measured (it ran, and took what it took) before it is failed for its time; a cancel of the run meanwhile wins.
      const output = this.measured(attempt, result, cancel);
      // A synchronous function cannot be interrupted on this thread; it still must not exceed its budget.
      if ((attempt.ran.end as number) - (attempt.ran.start as number) > timeoutMs) throw timedOut();
      return output;
    }
    return this.measured(attempt, result, own, () => own.dispose());
  }

  /** Calls `run` (in the function's domain when `inDomain`). */
  private invoke(attempt: Attempt, cancel: CancelScope, inDomain: boolean): unknown {
    if (!inDomain) return this.callRun(attempt, cancel, PLAIN_HEAP, PLAIN_HEAP);
    const domains = this.env.domains;
    const { def, path } = attempt.call;
    if (!domains) throw new Error(`internal: ${path} was placed in a protection domain, but this runtime has none`);
    return domains.run(def.spec.name, path, (heap, shared) => this.callRun(attempt, cancel, heap, shared));
  }

  /** Makes the instance (at the first call) and the context, then calls `run`, stamping `ran.start` just before. */
  private callRun(attempt: Attempt, cancel: CancelScope, heap: FnHeap, shared: FnHeap): unknown {
    const { def, input, path } = attempt.call;
    const instance = this.env.instance(def);
    const context = new StepContext(this.env.runId, this.env.workflow.name, path, attempt.number, cancel, heap, shared);
    attempt.ran.start = performance.now();
    return instance.run(input as never, context);
  }

  /**
   * Stamps `ran.end` and records the call's time. The synchronous part of `run` is computation on
   * this thread; the rest is waiting. Both are measured so that the planner can tell CPU-bound
   * functions from I/O-bound ones. A pending result is raced against `cancel` (`cleanup` runs when
   * the race is over), and the attempt is reported in the turn it comes in.
   */
  private measured(attempt: Attempt, result: unknown, cancel: CancelScope, cleanup?: () => void): unknown {
    const returned = performance.now();
    const { ran } = attempt;
    const name = attempt.call.def.spec.name;
    const started = ran.start as number;
    const syncMs = returned - started;
    if (!isThenable(result)) {
      ran.end = returned;
      this.env.measurements.recordCall(name, syncMs, syncMs);
      if (cancel.aborted) throw cancel.reason;
      return result;
    }
    return raceAbortThen(
      result,
      cancel,
      cleanup,
      (output) => {
        const settled = performance.now();
        ran.end = settled;
        this.env.measurements.recordCall(name, settled - started, syncMs);
        return this.taskDone(attempt, output, settled);
      },
      (raw) => this.taskFailed(attempt, raw),
    );
  }

  /**
   * One attempt on another thread, process or container. The step's timeout aborts the call's scope (and so its signal);
   * the tier then stops the function (terminating a runaway worker or process) and rejects at once.
   */
  private remoteAttempt(attempt: Attempt, placement: Exclude<Placement, 'main-thread'>, transfer: boolean, keep: ReadonlySet<ArrayBuffer>): Promise<unknown> {
    const { def, input, path, cancel } = attempt.call;
    const module = def.spec.module;
    if (!module) throw new Error(`the module of ${def.spec.name} is unknown`);
    const tier = this.env.tier(placement, def.spec.name);
    const timeoutMs = def.spec.timeoutMs;
    // Without a timeout of its own the call needs no scope of its own either: its group's will do.
    const callCancel = timeoutMs === undefined ? cancel : cancel.timeout(timeoutMs, () => new StepTimeoutError(path, timeoutMs, attempt.number));
    const cleanup = callCancel === cancel ? undefined : (): void => callCancel.dispose();
    const { ran } = attempt;
    let call: Promise<unknown>;
    try {
      call = tier.call({
        fn: { module, name: def.spec.name },
        input,
        ctx: { runId: this.env.runId, workflow: this.env.workflow.name, stepPath: path, attempt: attempt.number },
        signal: callCancel.signal,
        transfer,
        keep,
        onRan: (span) => {
          const here = spanHere(span);
          ran.start = here.start;
          ran.end = here.end;
        },
      });
    } catch (error) {
      cleanup?.();
      throw error;
    }
    return raceAbortThen(
      call,
      callCancel,
      cleanup,
      (output) => this.taskDone(attempt, output, performance.now()),
      (raw) => this.taskFailed(attempt, raw),
    );
  }

  /**
   * The branches of a `parallel`, each a lane with the same input. Branches that finish synchronously
   * (synchronous functions on this thread) run one after another with no promise between them, and
   * when all do, the group's output is there synchronously too; otherwise a `Join` waits for the rest.
   */
  private parallel(plan: GroupPlan, input: unknown, scope: string, cancel: CancelScope, mode: LaneMode): unknown {
    const siblings = cancel.child(plan.branches.length);
    const local = localShare(plan, plan.branches.length, this.env);
    // Branches share their input: only a lone branch may take its buffers. Kept only where a branch
    // has a step on a worker thread, the one place a buffer is moved (see `canMoveBuffers`).
    const shared = plan.branches.length === 1 ? mode : keeping(mode, plan, input);
    const outputs = new Array<unknown>(plan.branches.length);
    let join: Join<unknown[]> | undefined;
    for (let i = 0; i < plan.branches.length; i++) {
      const branch = plan.branches[i] as LanePlan;
      let out: unknown;
      try {
        if (siblings.aborted) throw siblings.reason;
        out = this.steps(branch.steps, 0, input, stepPath.branch(scope, plan.name, i), siblings, branchMode(shared, mode.spilled || i >= local));
      } catch (error) {
        join?.abandon();
        this.stopGroup(siblings, error, scope, plan);
        throw error;
      }
      if (!(out instanceof Promise)) outputs[i] = out;
      else {
        join ??= new Join(
          (error) => this.stopGroup(siblings, error, scope, plan),
          () => {
            siblings.dispose();
            return outputs;
          },
        );
        join.add(out, (value) => (outputs[i] = value));
      }
    }
    if (!join) {
      siblings.dispose();
      return outputs;
    }
    join.close();
    return join.promise;
  }

  /**
   * A `map`: the body lane once per item of the input array, at most `concurrency` at a time, or in
   * batches on worker threads. Synchronous items run back to back, as in `parallel`; from the first
   * that is pending on, see `mapPending`.
   */
  private map(plan: GroupPlan, input: unknown, scope: string, cancel: CancelScope, mode: LaneMode): unknown {
    if (!Array.isArray(input)) {
      throw new WorkflowValidationError([{ path: stepPath.child(scope, plan.name), message: `map() needs an array input, got ${input === null ? 'null' : typeof input}` }]);
    }
    const body = plan.branches[0];
    if (!body) throw new WorkflowValidationError([{ path: stepPath.child(scope, plan.name), message: 'map() has no body' }]);
    const items: readonly unknown[] = input;
    const results = new Array<unknown>(items.length);
    const siblings = cancel.child(items.length);
    const local = localShare(plan, items.length, this.env);
    const itemMode = keepingShared(mode, plan, items);
    const batched = batchable(this.env, plan, items.length, local);
    if (batched) return mapInBatches(this.env, plan, batched, items, scope, siblings, itemMode).finally(() => siblings.dispose());
    let next = 0;
    const item = (i: number): unknown =>
      this.steps(body.steps, 0, items[i], stepPath.branch(scope, plan.name, i), siblings, branchMode(itemMode, mode.spilled || i >= local));
    try {
      while (next < items.length) {
        const i = next++;
        if (siblings.aborted) throw siblings.reason;
        const out = item(i);
        if (out instanceof Promise) return this.mapPending(plan, items, results, i, out, () => next++, item, siblings, cancel, scope);
        results[i] = out;
      }
    } catch (error) {
      this.stopGroup(siblings, error, scope, plan);
      throw error;
    }
    siblings.dispose();
    return results;
  }

  /**
   * A map from its first pending item (`first`, item `firstIndex`) on: at most `concurrency` items
   * pending at a time; each that ends starts the next (`take` hands out indexes), and a `Join`
   * waits for the last.
   */
  private mapPending(
    plan: GroupPlan,
    items: readonly unknown[],
    results: unknown[],
    firstIndex: number,
    first: Promise<unknown>,
    take: () => number,
    item: (i: number) => unknown,
    siblings: CancelScope,
    cancel: CancelScope,
    scope: string,
  ): Promise<unknown> {
    const width = Math.min(items.length, plan.concurrency ?? items.length);
    const join = new Join<unknown[]>(
      (error) => this.stopGroup(siblings, error, scope, plan),
      () => {
        siblings.dispose();
        if (cancel.aborted) throw cancel.reason;
        return results;
      },
    );
    const wait = (i: number, out: Promise<unknown>): void =>
      join.add(out, (value) => {
        results[i] = value;
        fill();
      });
    const fill = (): void => {
      let i = 0;
      try {
        while (join.pending < width && !join.isOver && (i = take()) < items.length) {
          if (siblings.aborted) throw siblings.reason;
          const out = item(i);
          if (out instanceof Promise) wait(i, out);
          else results[i] = out;
        }
      } catch (error) {
        join.fail(error);
        return;
      }
      if (i >= items.length) join.close();
    };
    wait(firstIndex, first);
    fill();
    return join.promise;
  }

  /** A group's first failure: its other branches are stopped (their waits reject, and no new step starts). */
  private stopGroup(siblings: CancelScope, error: unknown, scope: string, plan: GroupPlan): void {
    siblings.abort(siblingFailed(this.env.workflow.name, error, stepPath.child(scope, plan.name)));
    siblings.dispose();
  }

  private async choice(plan: ChoicePlan, input: unknown, scope: string, cancel: CancelScope, mode: LaneMode): Promise<unknown> {
    const path = stepPath.child(scope, plan.name);
    const callback = this.env.workflow.callbacks.get(plan.predicate);
    if (callback?.kind !== 'predicate') throw new WorkflowValidationError([{ path, message: 'choice predicate is missing' }]);
    let chosen: boolean;
    try {
      chosen = await raceAbort(callback.fn(input as never), cancel);
    } catch (error) {
      throw asStepError(error, path, 1);
    }
    if (chosen) return this.lane(plan.then, input, stepPath.choiceArm(scope, plan.name, 'then'), cancel, mode);
    if (plan.otherwise) return this.lane(plan.otherwise, input, stepPath.choiceArm(scope, plan.name, 'else'), cancel, mode);
    return input;
  }

  private async retry(plan: RetryPlan, input: unknown, scope: string, cancel: CancelScope, mode: LaneMode): Promise<unknown> {
    const path = bodyPath(plan.body, scope);
    // The input is needed again for the next attempt: it must not be moved away.
    const keep = keeping(mode, plan.body, input);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.lane(plan.body, input, scope, cancel, keep);
      } catch (raw) {
        const error = asStepError(raw, path, attempt);
        if (attempt > plan.retries || !isRetriable(error) || cancel.aborted) throw error;
        const delayMs = backoffDelay(plan.backoff ?? this.env.backoff, attempt);
        this.env.events.emit({ type: 'step.retried', path, attempt: attempt + 1, delayMs });
        try {
          await sleep(delayMs, cancel);
        } catch (reason) {
          this.retryStopped(path, attempt + 1, reason);
          throw reason;
        }
      }
    }
  }

  private async timeout(plan: TimeoutPlan, input: unknown, scope: string, cancel: CancelScope, mode: LaneMode): Promise<unknown> {
    const path = bodyPath(plan.body, scope);
    const own = cancel.timeout(plan.ms, () => new StepTimeoutError(path, plan.ms));
    const started = performance.now();
    try {
      const out = this.steps(plan.body.steps, 0, input, scope, own, mode);
      if (out instanceof Promise) return await raceAbort(out, own);
      // A body that ran synchronously could not be interrupted (its timer could not fire meanwhile); it still must not exceed its budget.
      if (performance.now() - started > plan.ms) throw new StepTimeoutError(path, plan.ms);
      return out;
    } finally {
      own.dispose();
    }
  }

  private async catch(plan: CatchPlan, input: unknown, scope: string, cancel: CancelScope, mode: LaneMode): Promise<unknown> {
    const path = bodyPath(plan.body, scope);
    try {
      // The handler gets the input: it must not be moved away.
      return await this.lane(plan.body, input, scope, cancel, keeping(mode, plan.body, input));
    } catch (raw) {
      // Cancellation is not a failure to recover from.
      if (cancel.aborted || raw instanceof WorkflowCancelledError) throw raw;
      const callback = this.env.workflow.callbacks.get(plan.handler);
      if (callback?.kind !== 'handler') throw raw;
      try {
        return await raceAbort(callback.fn(asStepError(raw, path, 1), input as never), cancel);
      } catch (error) {
        throw asStepError(error, path, 1);
      }
    }
  }
}

/**
 * How many of a group's `width` branches run locally when the group may spill: a share proportional
 * to the local pool's width against the containers' capacity (the paper's `launchMap` split).
 */
function localShare(plan: GroupPlan, width: number, env: ExecutionEnv): number {
  if (!plan.spill?.enabled || width <= plan.spill.beyond) return width;
  const remote = env.tier('container', '').capacity;
  return Math.max(plan.spill.beyond, Math.ceil((width * plan.spill.beyond) / (plan.spill.beyond + remote)));
}

/** The path that names what a wrapper (`retry`, `timeout`, `catchError`) wraps: its single step, else its scope. */
function bodyPath(body: LanePlan, scope: string): string {
  const only = body.steps.length === 1 ? body.steps[0] : undefined;
  return only && 'name' in only ? stepPath.child(scope, only.name) : scope;
}
