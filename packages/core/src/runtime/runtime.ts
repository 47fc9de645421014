import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ReplaySubject, Subject, type Observable } from 'rxjs';
import { FaastlaneError, RuntimeClosedError, StepFailedError, WorkflowCancelledError } from '../errors.js';
import type { FnDefinition, FnInstance } from '../functions/definition.js';
import type { BackoffSpec } from '../graph/ir.js';
import { validateWorkflow } from '../graph/validate.js';
import { probeMachine, type MachineInfo } from '../planner/machine.js';
import type { Plan } from '../planner/plan.js';
import { planWorkflow } from '../planner/planner.js';
import type { Workflow } from '../workflow.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import type { EventBody, WorkflowEvent } from './events.js';
import { Executor } from './executor.js';
import type { WorkflowRun } from './run.js';

/** Options of `Runtime.create`. */
export interface RuntimeOptions {
  /** Backoff between the retries of `@Fn({ retries })` and of `retry()` without its own. */
  readonly retryBackoff?: Partial<BackoffSpec>;
}

/** Options of one invocation. */
export interface InvokeOptions {
  /** Aborting this signal cancels the run, like `run.cancel()`. */
  readonly signal?: AbortSignal;
}

/** Options of `runtime.close`. */
export interface CloseOptions {
  /** How long to let in-flight runs finish before cancelling them. Default 30 s. */
  readonly graceMs?: number;
}

/**
 * The embedded runtime: validates, plans and runs workflows in this process.
 *
 * ```ts
 * const rt = await Runtime.create();
 * const out = await rt.invoke(wf, input);
 * await rt.close();
 * ```
 */
export class Runtime {
  private readonly allEvents = new Subject<WorkflowEvent>();
  private readonly plans = new WeakMap<Workflow<unknown, unknown>, Plan>();
  private readonly instances = new Map<FnDefinition['cls'], FnInstance<unknown>>();
  private readonly inFlight = new Map<string, { cancel: (reason: string) => void; done: Promise<unknown> }>();
  private readonly backoff: BackoffSpec;
  private closed = false;

  private constructor(
    /** The machine the planner plans for. */
    readonly machine: MachineInfo,
    options: RuntimeOptions,
  ) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.retryBackoff };
  }

  /** Creates a runtime, probing the machine (vCPUs, MPK) once. */
  static async create(options: RuntimeOptions = {}): Promise<Runtime> {
    return new Runtime(probeMachine(), options);
  }

  /** Every event of every run of this runtime. Hot: subscribers see events from when they subscribe. */
  get events$(): Observable<WorkflowEvent> {
    return this.allEvents.asObservable();
  }

  /**
   * Validates a workflow and returns its plan (cached per workflow).
   * @throws WorkflowValidationError listing every problem of the graph.
   */
  plan<In, Out>(workflow: Workflow<In, Out>): Plan {
    const wf = workflow as Workflow<unknown, unknown>;
    let plan = this.plans.get(wf);
    if (!plan) {
      validateWorkflow(wf);
      plan = planWorkflow(wf, this.machine);
      this.plans.set(wf, plan);
    }
    return plan;
  }

  /** Runs a workflow to completion and returns its output. Rejects with a typed `FaastlaneError`. */
  invoke<In, Out>(workflow: Workflow<In, Out>, input: In, options: InvokeOptions = {}): Promise<Out> {
    return this.execute(workflow, input, options, undefined).result;
  }

  /** Starts a workflow and returns a handle with its events, its result and `cancel()`. */
  start<In, Out>(workflow: Workflow<In, Out>, input: In, options: InvokeOptions = {}): WorkflowRun<Out> {
    const events = new ReplaySubject<WorkflowEvent>();
    const run = this.execute(workflow, input, options, events);
    return { ...run, events$: events.asObservable() };
  }

  /**
   * Stops accepting invocations and waits for the runs in flight; those still running after
   * `graceMs` are cancelled.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    this.closed = true;
    const runs = [...this.inFlight.values()];
    if (runs.length === 0) return;
    const grace = setTimeout(() => runs.forEach((r) => r.cancel('the runtime was closed')), options.graceMs ?? 30_000);
    await Promise.allSettled(runs.map((r) => r.done));
    clearTimeout(grace);
  }

  private execute<In, Out>(
    workflow: Workflow<In, Out>,
    input: In,
    options: InvokeOptions,
    runEvents: Subject<WorkflowEvent> | undefined,
  ): Omit<WorkflowRun<Out>, 'events$'> {
    const id = randomUUID();
    const name = workflow.name;
    const controller = new AbortController();
    const cancel = (reason = 'cancelled by the caller'): void => {
      if (!controller.signal.aborted) controller.abort(new WorkflowCancelledError(name, reason));
    };
    const emit = (body: EventBody): void => {
      if (!runEvents && !this.allEvents.observed) return;
      const event = { ...body, runId: id, workflow: name, at: Date.now() } as WorkflowEvent;
      runEvents?.next(event);
      this.allEvents.next(event);
    };

    // Checked now, not when the deferred run starts: a run accepted before `close()` must be awaited by it.
    const closed = this.closed;
    const run = async (): Promise<Out> => {
      if (closed) throw new RuntimeClosedError();
      const plan = this.plan(workflow);
      const started = performance.now();
      emit({ type: 'workflow.started' });
      try {
        const executor = new Executor({
          runId: id,
          workflow: workflow as Workflow<unknown, unknown>,
          backoff: this.backoff,
          instance: (def) => this.instance(def),
          emit,
        });
        const out = (await executor.lane(plan.root, input, name, controller.signal)) as Out;
        emit({ type: 'workflow.completed', durationMs: performance.now() - started });
        return out;
      } catch (raw) {
        const error = raw instanceof FaastlaneError ? raw : new StepFailedError(name, 1, raw);
        emit({ type: 'workflow.failed', durationMs: performance.now() - started, error });
        throw error;
      }
    };

    const external = options.signal;
    const onExternalAbort = (): void => cancel(String(external?.reason ?? 'the caller aborted'));
    if (external?.aborted) onExternalAbort();
    else external?.addEventListener('abort', onExternalAbort, { once: true });

    // Deferred by a microtask: `start()` returns before the first step runs, even a synchronous one.
    const result = Promise.resolve()
      .then(run)
      .finally(() => {
        external?.removeEventListener('abort', onExternalAbort);
        this.inFlight.delete(id);
        runEvents?.complete();
      });
    // A caller that never awaits `result` must not crash the process with an unhandled rejection.
    result.catch(() => undefined);
    this.inFlight.set(id, { cancel, done: result });
    return { id, workflow: name, result, cancel };
  }

  /** One instance per function class and runtime, created on first use (like a warm FaaS container). */
  private instance(def: FnDefinition): FnInstance<unknown> {
    let instance = this.instances.get(def.cls);
    if (!instance) {
      instance = new def.cls() as FnInstance<unknown>;
      this.instances.set(def.cls, instance);
    }
    return instance;
  }
}
