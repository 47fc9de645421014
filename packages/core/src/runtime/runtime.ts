import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Subject, type Observable } from 'rxjs';
import { FaastlaneError, InvokedDuringImportError, RuntimeClosedError, StepFailedError, WorkflowCancelledError, WorkflowValidationError } from '../errors.js';
import { functionModuleBeingImported } from '../hosting/importing.js';
import type { FnDefinition, FnInstance } from '../functions/definition.js';
import type { BackoffSpec } from '../graph/ir.js';
import { MAX_TIMER_MS, validateWorkflow } from '../graph/validate.js';
import { probeMachine, type MachineInfo } from '../planner/machine.js';
import { Measurements } from '../planner/measurements.js';
import { forEachStep, type Plan, type RuntimeMode } from '../planner/plan.js';
import { planWorkflow, type DomainBudget, type DomainHosting, type PlanningContext } from '../planner/planner.js';
import { createTierFactories, type TierOptions } from './tier-factories.js';
import { TierSet } from './tier-set.js';
import type { Workflow } from '../workflow.js';
import { raceAbort } from './abort.js';
import { CancelScope } from './cancel-scope.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import type { WorkflowEvent } from './events.js';
import { RunEvents } from './run-events.js';
import { EventLog } from './event-log.js';
import { Executor } from './executor.js';
import { DomainManager, KeyExhaustedError } from '../domains/manager.js';
import type { WorkflowRun } from './run.js';

/** Options of `Runtime.create`. */
export interface RuntimeOptions extends TierOptions {
  /**
   * `faastlane` (default): run each workflow in as few places as possible, sharing state.
   * `function-per-container`: the baseline, every function in its own container and state as JSON
   * over HTTP, the way FaaS platforms run workflows today (for comparisons).
   */
  readonly mode?: RuntimeMode;
  /** Backoff between the retries of `@Fn({ retries })` and of `retry()` without its own. */
  readonly retryBackoff?: Partial<BackoffSpec>;
  /** Keep the durations measured on runs in this JSON file (loaded at start, saved at `close()`). */
  readonly measurementsFile?: string;
  /**
   * Where `isolation: 'domain'` functions run where MPK is available: `'supervised'` (default) in the
   * domain host, a child process whose death from a stray access becomes the step's
   * `IsolationViolationError`; `'in-process'` on the calling thread, with no hop but no supervisor.
   * See {@link DomainHosting}.
   */
  readonly domainHosting?: DomainHosting;
}

/** The `code` of the process warning for a function that asks for isolation and runs unisolated. */
export const UNISOLATED = 'FAASTLANE_UNISOLATED';

/** How many recorded calls a cached plan serves, at most, before the planner looks at it again. */
const REPLAN_EVERY_CALLS = 64;
/** ...and at least: early on measurements move fast, so the planner looks after 8, 16, 32, then 64. */
const REPLAN_FIRST_AFTER_CALLS = 8;

/** Calls a plan made when `calls` had been recorded serves before it is looked at again. */
const replanAfter = (calls: number): number => Math.min(REPLAN_EVERY_CALLS, Math.max(REPLAN_FIRST_AFTER_CALLS, calls));

/** Where every step runs and how every group runs, as one string: two plans that agree here run alike. */
function placementsOf(plan: Plan): string {
  const parts: string[] = [];
  forEachStep(plan.root, (step) => {
    if (step.kind === 'task') parts.push(step.placement);
    else if (step.kind === 'group') parts.push(`${step.executor}${step.spill?.enabled ? '+spill' : ''}`);
    else parts.push(step.kind);
  });
  return parts.join(',');
}

/** The default number of domain host processes is the vCPUs, but no more than this. */
const MAX_DEFAULT_DOMAIN_HOSTS = 4;

/** Options of one invocation. */
export interface InvokeOptions {
  /** Aborting this signal cancels the run, like `run.cancel()`. */
  readonly signal?: AbortSignal;
}

/** Options of `runtime.close`. */
export interface CloseOptions {
  /** How long to let in-flight runs finish before cancelling them. Default 30 s; `Infinity` waits however long they take. */
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
  /** Functions reported as running unisolated (`reportUnisolated`). */
  private readonly unisolatedReported = new Set<string>();
  /** The shutdown under way, once `close()` was called. */
  private closing: Promise<void> | undefined;
  /** The class behind each function name this runtime has planned: processes, domains and measurements go by name. */
  private readonly functionsByName = new Map<string, FnDefinition>();
  /** Per workflow: its plan, the measurements it was made with, and its placements (`placementsOf`). */
  private readonly plans = new WeakMap<Workflow<unknown, unknown>, { plan: Plan; version: number; calls: number; placements: string }>();
  private readonly instances = new Map<FnDefinition['cls'], FnInstance<unknown>>();
  private readonly inFlight = new Map<string, { cancel: (reason: string) => void; done: Promise<unknown> }>();
  private readonly backoff: BackoffSpec;
  private readonly tiers: TierSet;
  private readonly workerThreads: number;
  /** Protection domains of `isolation: 'domain'` functions placed in this process (created when a plan first places one). */
  private readonly domains = new DomainManager();
  /** Functions placed in the domain host: their domains live there (created as the host loads them). */
  private readonly hosted = new Set<string>();
  private closed = false;
  /** Durations measured on earlier runs, which the planner uses. */
  readonly measurements: Measurements;
  readonly mode: RuntimeMode;

  private constructor(
    /** The machine the planner plans for. */
    readonly machine: MachineInfo,
    private readonly options: RuntimeOptions,
  ) {
    this.mode = options.mode ?? 'faastlane';
    this.backoff = { ...DEFAULT_BACKOFF, ...options.retryBackoff };
    this.measurements = new Measurements(options.measurementsFile);
    this.workerThreads = this.mode === 'faastlane' ? (options.workerThreads ?? machine.vcpus) : 0;
    // The domain host runs one call per process: as many as the vCPUs (up to 4), so that the domain
    // branches of a parallel run side by side, as they do in the fallback's process per function.
    const domainHosts = options.domainHosts ?? Math.max(1, Math.min(MAX_DEFAULT_DOMAIN_HOSTS, machine.vcpus));
    this.tiers = new TierSet(createTierFactories(this.mode, { ...options, workerThreads: this.workerThreads, domainHosts }));
  }

  /**
   * Creates a runtime: probes the machine (vCPUs from the cgroup quota, MPK) and starts one worker
   * thread, so that the first call to a thread is warm; the pool's other threads (up to
   * `workerThreads`) start as calls queue for them. Child processes and containers start when a plan
   * first needs them, before that plan's first run. Made while a worker thread, child process or
   * container imports a function module, it starts no thread until a plan needs one.
   */
  static async create(options: RuntimeOptions = {}): Promise<Runtime> {
    checkOptions(options);
    const runtime = new Runtime(probeMachine(), options);
    // A runtime made while a host imports a function module (a module that sets one up at its top
    // level) is that module's copy in the host: it starts no thread until it is used, if ever.
    if (runtime.workerThreads > 0 && functionModuleBeingImported() === undefined) await runtime.tiers.warm('worker-thread');
    return runtime;
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
    const cached = this.plans.get(wf);
    const m = this.measurements;
    // A plan is redone when measurements moved a function into another class (short/long, cpu/io),
    // and looked at again every so many calls (see `replanAfter`), since sums of measured times decide groups.
    if (cached && cached.version === m.version && m.calls - cached.calls < replanAfter(cached.calls)) return cached.plan;
    if (!cached) {
      validateWorkflow(wf);
      this.claimNames(wf);
    }
    const fresh = this.planWithDomains(wf, cached?.plan);
    const placements = placementsOf(fresh);
    // The same placements keep the same plan object (its tiers are prepared already), even when a
    // function changed class: a median near a class boundary may cross it back and forth.
    const plan = cached && placements === cached.placements ? cached.plan : fresh;
    this.plans.set(wf, { plan, version: m.version, calls: m.calls, placements });
    if (plan !== cached?.plan) this.reportUnisolated(plan);
    return plan;
  }

  /**
   * Refuses a workflow whose function has the name of another class that this runtime already runs
   * (two modules' `Handler`s, say): a function's child processes, protection domain, measured times
   * and warnings are this runtime's by name, so the two would share a process or a domain.
   */
  private claimNames(wf: Workflow<unknown, unknown>): void {
    const where = (def: FnDefinition): string => `class ${def.cls.name}${def.spec.module ? ` of ${def.spec.module}` : ''}`;
    const problems = [...wf.functions]
      .filter(([name, def]) => (this.functionsByName.get(name)?.cls ?? def.cls) !== def.cls)
      .map(([name, def]) => ({
        path: wf.name,
        message: `function "${name}" (${where(def)}) has the name of another function this runtime runs (${where(this.functionsByName.get(name) as FnDefinition)}): its processes, protection domain and measured times go by name; give one another name with @Fn({ name })`,
      }));
    if (problems.length > 0) throw new WorkflowValidationError(problems);
    for (const [name, def] of wf.functions) this.functionsByName.set(name, def);
  }

  /**
   * A function that asks for isolation but that the plan runs unisolated on the calling thread (no
   * child processes in this runtime, or a module no process can load): the plan says so, but a
   * caller who never reads it would not know that its isolation is gone. Reported once per function,
   * as a process warning.
   */
  private reportUnisolated(plan: Plan): void {
    for (const task of plan.tasks()) {
      if (task.isolation === 'none' || task.placement !== 'main-thread' || this.unisolatedReported.has(task.fn)) continue;
      this.unisolatedReported.add(task.fn);
      process.emitWarning(`${task.fn} asks for isolation '${task.isolation}' but runs unisolated on the calling thread: ${task.reason}`, { code: UNISOLATED });
    }
  }

  /**
   * Plans with the protection keys free now and holds the domains the plan counted on. If other code
   * took keys in between, it plans again with what is left (the planner then falls back to processes).
   */
  private planWithDomains(wf: Workflow<unknown, unknown>, previous: Plan | undefined): Plan {
    for (let tries = 0; ; tries++) {
      const domains = this.mode === 'faastlane' && this.machine.mpk.available ? this.domainBudget() : undefined;
      const plan = planWorkflow(wf, { ...this.planningContext(), domains, previous });
      if (!domains) return plan;
      try {
        this.domains.reserve(plan);
        for (const task of plan.tasks()) if (task.placement === 'domain-host') this.hosted.add(task.fn);
        return plan;
      } catch (error) {
        if (!(error instanceof KeyExhaustedError) || tries >= 2) throw error;
      }
    }
  }

  /**
   * The keys a plan may spend. The domain host is a fresh process with as many free keys as this one
   * had before it took any, so one count serves both: a key taken here also counts against the host
   * (conservative: a plan may fall back to processes a little early, never run out of keys).
   */
  private domainBudget(): DomainBudget {
    const here = this.domains.budget();
    if (this.hosted.size === 0) return here;
    return { freeKeys: here.freeKeys, held: new Set([...here.held, ...this.hosted]), sharedHeld: true };
  }

  /** Calls other containers can take at once: measured once the tier runs, else from the options. */
  private containerCapacity(): number {
    const containers = this.options.containers;
    if (this.mode !== 'faastlane' || !containers) return 0;
    if (this.tiers.has('container')) return this.tiers.get('container', '').capacity;
    return (containers.urls?.length ?? containers.count ?? 1) * (containers.concurrency ?? 1);
  }

  private planningContext(): PlanningContext {
    return {
      mode: this.mode,
      machine: this.machine,
      workerThreads: this.workerThreads,
      processes: this.options.childProcesses !== 0,
      containerCapacity: this.containerCapacity(),
      measurements: this.measurements,
      domainHosting: this.options.domainHosting ?? 'supervised',
    };
  }

  /**
   * Runs a workflow to completion and returns its output. Rejects with a typed `FaastlaneError`.
   *
   * State passes by reference. Buffers of `input` that a step on a worker thread takes are moved
   * there (the caller's `ArrayBuffer` is detached, as with a `postMessage` transfer), unless the
   * workflow may still need them (shared by branches, re-sent by a retry): pass a copy to keep yours.
   */
  invoke<In, Out>(workflow: Workflow<In, Out>, input: In, options: InvokeOptions = {}): Promise<Out> {
    return this.execute(workflow, input, options, undefined).result;
  }

  /** Starts a workflow and returns a handle with its events, its result and `cancel()`. */
  start<In, Out>(workflow: Workflow<In, Out>, input: In, options: InvokeOptions = {}): WorkflowRun<Out> {
    const events = new EventLog();
    const run = this.execute(workflow, input, options, events);
    return { ...run, events$: events.events$ };
  }

  /**
   * Stops accepting invocations and waits for the runs in flight; those still running after
   * `graceMs` are cancelled. Then stops the tiers and completes `events$`. Calling it again returns
   * the same shutdown.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const graceMs = options.graceMs ?? 30_000;
    if (!(graceMs >= 0)) return Promise.reject(new RangeError(`graceMs must be a number of milliseconds >= 0 (or Infinity), got ${String(graceMs)}`));
    // A second close (a signal handler and a `finally`, say) waits for the same shutdown.
    this.closing ??= this.shutDown(graceMs);
    return this.closing;
  }

  private async shutDown(graceMs: number): Promise<void> {
    this.closed = true;
    const runs = [...this.inFlight.values()];
    if (runs.length > 0) {
      // Infinity: wait for the runs however long they take (a timer past its range would fire at once).
      const grace = Number.isFinite(graceMs) ? setTimeout(() => runs.forEach((r) => r.cancel('the runtime was closed')), Math.min(graceMs, MAX_TIMER_MS)) : undefined;
      await Promise.allSettled(runs.map((r) => r.done));
      clearTimeout(grace);
    }
    await this.tiers.close();
    this.domains.close();
    this.measurements.save();
    // Nothing more can come: subscribers to every run's events learn that the runtime is gone.
    this.allEvents.complete();
  }

  private execute<In, Out>(
    workflow: Workflow<In, Out>,
    input: In,
    options: InvokeOptions,
    runEvents: EventLog | undefined,
  ): Omit<WorkflowRun<Out>, 'events$'> {
    const id = randomUUID();
    const name = workflow.name;
    // Many steps may wait on the run's scope at once (a wide map's items): no listener limit on its signal.
    const scope = new CancelScope(undefined, Number.POSITIVE_INFINITY);
    const cancel = (reason = 'cancelled by the caller'): void => {
      if (!scope.aborted) scope.abort(new WorkflowCancelledError(name, reason));
    };
    const events = new RunEvents(id, name, runEvents, this.allEvents);

    // Checked now, not when the deferred run starts: a run accepted before `close()` must be awaited by it.
    const closed = this.closed;
    const importing = functionModuleBeingImported();
    const run = async (): Promise<Out> => {
      if (closed) throw new RuntimeClosedError();
      if (importing !== undefined) throw new InvokedDuringImportError(name, importing);
      const plan = this.plan(workflow);
      const started = performance.now();
      events.emit({ type: 'workflow.started' });
      try {
        // Workers, processes and containers the plan needs are up before the first step (a cancel does not wait for them).
        if (!this.tiers.isPrepared(plan)) {
          await raceAbort(this.tiers.prepare(plan, (fn) => workflow.functions.get(fn)?.spec.module), scope);
        }
        const executor = new Executor({
          runId: id,
          workflow: workflow as Workflow<unknown, unknown>,
          backoff: this.backoff,
          instance: (def) => this.instance(def),
          tier: (placement, fn) => this.tiers.get(placement, fn),
          measurements: this.measurements,
          events,
          domains: this.domains,
        });
        const out = (await executor.lane(plan.root, input, name, scope)) as Out;
        events.emit({ type: 'workflow.completed', durationMs: performance.now() - started });
        return out;
      } catch (raw) {
        const error = raw instanceof FaastlaneError ? raw : new StepFailedError(name, 1, raw);
        events.emit({ type: 'workflow.failed', durationMs: performance.now() - started, error });
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

/** Sizes must be whole numbers: a bad option fails `create`, not some later run. */
function checkOptions(options: RuntimeOptions): void {
  const counts: [string, number | undefined][] = [
    ['workerThreads', options.workerThreads],
    ['childProcesses', options.childProcesses],
    ['containers.count', options.containers ? options.containers.count : undefined],
    ['containers.concurrency', options.containers ? options.containers.concurrency : undefined],
  ];
  for (const [name, value] of counts) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new RangeError(`Runtime option ${name} must be a whole number >= 0, got ${value}`);
  }
  if (options.domainHosts !== undefined && !(Number.isInteger(options.domainHosts) && options.domainHosts >= 1)) {
    throw new RangeError(`Runtime option domainHosts must be a whole number >= 1, got ${options.domainHosts}`);
  }
  if (options.domainHosting !== undefined && options.domainHosting !== 'supervised' && options.domainHosting !== 'in-process') {
    throw new RangeError(`Runtime option domainHosting must be 'supervised' or 'in-process', got ${String(options.domainHosting)}`);
  }
  if (options.mode !== undefined && options.mode !== 'faastlane' && options.mode !== 'function-per-container') {
    throw new RangeError(`Runtime option mode must be 'faastlane' or 'function-per-container', got ${String(options.mode)}`);
  }
}
