import type { FnSpec, GraphNode } from '../graph/ir.js';
import { stepPath, walkGraph } from '../graph/paths.js';
import { importableByContainers, loadableElsewhere } from '../functions/loadable.js';
import { WorkflowValidationError, type ValidationProblem } from '../errors.js';
import type { Workflow } from '../workflow.js';
import type { MachineInfo } from './machine.js';
import type { Measurements } from './measurements.js';
import { Plan, forEachStep, type GroupExecutor, type LanePlan, type Placement, type RuntimeMode, type SpillPlan, type StepPlan } from './plan.js';

/** What the planner may use besides the graph: the machine, the tiers the runtime has, and past measurements. */
export interface PlanningContext {
  readonly mode: RuntimeMode;
  readonly machine: MachineInfo;
  /** Worker threads in the pool (0: no thread tier). */
  readonly workerThreads: number;
  /** Whether child processes can be used. */
  readonly processes: boolean;
  /** How many calls other containers can take at once (0: no container tier). */
  readonly containerCapacity: number;
  readonly measurements: Measurements;
  /**
   * Protection keys for `isolation: 'domain'` where MPK is available: how many are free now and which
   * functions already hold a domain of this runtime. Absent: `machine.mpk.freeKeys` free, none held.
   */
  readonly domains?: DomainBudget;
  /**
   * Where protection domains live where MPK is available (default `'supervised'`): in the domain host,
   * a child process that the runtime supervises, or in the runtime's own process (`'in-process'`).
   */
  readonly domainHosting?: DomainHosting;
  /**
   * The plan this one replaces, if any: a group keeps its executor until the measurements clearly
   * say otherwise (see {@link THREAD_HYSTERESIS}).
   */
  readonly previous?: Plan;
}

/**
 * Where `isolation: 'domain'` functions run where MPK is available.
 * - `'supervised'`: in the domain host, a child process shared by the runtime's domain functions, each
 *   in its own domain. A plain (unguarded) access to another domain's memory kills the host, not the
 *   application, and the step fails with `IsolationViolationError`. State crosses to the host over IPC.
 * - `'in-process'`: on the calling thread, in the runtime's own process: no hop, and the shared heap
 *   hands state from one domain to the next by reference. A guarded access still fails the step, but
 *   an unguarded one faults in this process, which then dies: for code trusted to use the guarded
 *   accessors, where the hop would cost more than the function.
 */
export type DomainHosting = 'supervised' | 'in-process';

/** What the planner may spend on protection domains (one key each, plus one for the shared heap). */
export interface DomainBudget {
  /** Keys the addon could allocate at plan time (`capabilities().freeKeys`). */
  readonly freeKeys: number;
  /** Functions that already own a domain in this runtime: they need no new key. */
  readonly held: ReadonlySet<string>;
  /** Whether the runtime's shared heap (a domain every function domain shares) exists already. */
  readonly sharedHeld: boolean;
}

/** A branch shorter than this (measured, ms) costs more to hop to a thread than to run: it stays on the event loop. */
export const THREAD_HOP_BREAK_EVEN_MS = 0.1;
/**
 * A group on the event loop moves to threads only once its slowest branch is this many times the
 * break-even. Near the break-even either is about as good, and a median of a few calls crosses it
 * back and forth (the same function also measures slower on a busy worker than here): without a
 * band, a group flipped between the two from one run to the next.
 */
export const THREAD_HYSTERESIS = 2;
/** Assumed container hop latency (ms) until one has been measured. */
export const DEFAULT_CONTAINER_HOP_MS = 2;
/** A spilled branch must take at least this many times the container hop to be worth sending away. */
const SPILL_PAYBACK = 3;

/**
 * Turns a validated workflow graph into a plan: where every step runs, and why.
 *
 * - A sequence is a **lane** on one thread; each step gets the previous output by reference.
 * - `isolation: 'process'` puts a function in a child process. `isolation: 'domain'` runs it inside its
 *   own protection domain (MPK), in the supervised domain host or on the calling thread (see
 *   {@link DomainHosting}), while a protection key is left for it (one
 *   per function, plus one for the shared heap); a child process isolates it instead where MPK is
 *   unavailable, where the keys ran out (the functions planned later), or where its `run` is `async`
 *   (PKRU, the register holding a thread's key rights, belongs to the thread: after an `await`, other
 *   code runs on it, so a domain can only cover synchronous code).
 * - The branches of a `parallel` and the items of a `map` run on the **event loop** when they are
 *   I/O-bound or too short to pay for a thread hop, on **worker threads** when they are CPU-bound
 *   (from the `cpu` hint, else from measurements; unmeasured functions start on the event loop).
 * - A group on threads wider than the pool **spills** the rest to other containers, but only when the
 *   branch's measured time pays for the container hop several times over.
 * - In `function-per-container` mode every function runs in its own container (the baseline).
 */
export function planWorkflow(workflow: Workflow<unknown, unknown>, context: PlanningContext): Plan {
  const { graph } = workflow;
  const spec = (fn: string): FnSpec | undefined => graph.functions[fn];
  if (context.mode === 'function-per-container') refuseWhatNoContainerCanImport(workflow);
  const domains = domainAllocator(workflow, context);
  const before = new Map<string, GroupExecutor>();
  if (context.previous) forEachStep(context.previous.root, (s) => s.kind === 'group' && before.set(s.path, s.executor));

  const lane = (node: GraphNode, scope: string, where: LaneSite): LanePlan => ({
    kind: 'lane',
    path: scope,
    steps: node.kind === 'pipe' ? node.steps.flatMap((s) => lane(s, scope, where).steps) : [step(node, scope, where)],
  });

  const step = (node: Exclude<GraphNode, { kind: 'pipe' }>, scope: string, where: LaneSite): StepPlan => {
    switch (node.kind) {
      case 'task': {
        const [placement, reason] = placeTask(spec(node.fn), where, context, domains);
        return { kind: 'task', path: stepPath.child(scope, node.name), name: node.name, fn: node.fn, placement, isolation: spec(node.fn)?.isolation ?? 'none', reason };
      }
      case 'parallel':
      case 'map': {
        const branches = node.kind === 'parallel' ? node.branches : [node.body];
        const path = stepPath.child(scope, node.name);
        const decision = placeGroup(branches, node.kind === 'parallel' ? branches.length : undefined, spec, context, before.get(path));
        const site: LaneSite = decision.executor === 'worker-threads' ? 'worker-group' : decision.executor === 'containers' ? 'container-group' : 'event-loop-group';
        return {
          kind: 'group',
          op: node.kind,
          path,
          name: node.name,
          executor: decision.executor,
          reason: decision.reason,
          branches:
            node.kind === 'parallel'
              ? node.branches.map((b, i) => lane(b, stepPath.branch(scope, node.name, i), site))
              : [lane(node.body, stepPath.branch(scope, node.name, '*'), site)],
          concurrency: node.kind === 'map' ? node.concurrency : undefined,
          spill: decision.spill,
        };
      }
      case 'choice':
        return {
          kind: 'choice',
          path: stepPath.child(scope, node.name),
          name: node.name,
          predicate: node.predicate,
          then: lane(node.then, stepPath.choiceArm(scope, node.name, 'then'), where),
          otherwise: node.otherwise ? lane(node.otherwise, stepPath.choiceArm(scope, node.name, 'else'), where) : undefined,
        };
      case 'retry':
        return { kind: 'retry', path: scope, retries: node.retries, backoff: node.backoff, body: lane(node.body, scope, where) };
      case 'timeout':
        return { kind: 'timeout', path: scope, ms: node.ms, body: lane(node.body, scope, where) };
      case 'catch':
        return { kind: 'catch', path: scope, handler: node.handler, body: lane(node.body, scope, where) };
    }
  };

  return new Plan(graph.name, context.mode, context.machine, lane(graph.root, graph.name, 'main'));
}

/**
 * The baseline has no other place for a function than its container: one that no container can
 * import (its module unknown, or the entry script, which would start the program again in each
 * container) is refused before anything starts, every such step named.
 */
function refuseWhatNoContainerCanImport(workflow: Workflow<unknown, unknown>): void {
  const { graph } = workflow;
  const problems: ValidationProblem[] = [];
  walkGraph(graph.root, graph.name, (node, path) => {
    const spec = node.kind === 'task' ? graph.functions[node.fn] : undefined;
    const importable = spec ? importableByContainers(spec) : true;
    if (spec && importable !== true) problems.push({ path, message: `${spec.name} cannot run in a container of the function-per-container baseline: ${importable}` });
  });
  if (problems.length > 0) throw new WorkflowValidationError(problems);
}

/** Where a lane runs: the main sequence, or a branch of a group of some kind. */
type LaneSite = 'main' | 'event-loop-group' | 'worker-group' | 'container-group';

function placeTask(spec: FnSpec | undefined, where: LaneSite, context: PlanningContext, domains: DomainAllocator): [Placement, string] {
  if (!spec) return ['main-thread', 'unknown function'];
  if (context.mode === 'function-per-container') {
    return ['container', 'function-per-container baseline: every function in its own container, state as JSON over HTTP'];
  }
  const offThread = loadableElsewhere(spec);
  if (spec.isolation === 'process' || spec.isolation === 'domain') {
    let why: string;
    if (spec.isolation === 'process') {
      why = "isolation 'process': its own child process, state v8-serialised over IPC";
    } else {
      const domain = domains.place(spec.name);
      if (domain.placed) {
        if ((context.domainHosting ?? 'supervised') === 'in-process') return ['domain', inProcessDomain(spec.name, domain.keys)];
        if (context.processes && offThread === true) return ['domain-host', hostedDomain(spec.name, domain.keys)];
        const cannot = context.processes ? offThread : 'child processes are disabled in this runtime';
        return [
          'domain',
          `${inProcessDomain(spec.name, domain.keys)}; not in the supervised domain host because ${cannot}: in a domain of this process, where an unguarded access to another domain's memory ends this process`,
        ];
      }
      why = domain.reason;
    }
    if (!context.processes) return ['main-thread', `${why}; but child processes are disabled in this runtime, so it runs here UNISOLATED`];
    if (offThread !== true) return ['main-thread', `${why}; but ${offThread}, so it runs here UNISOLATED`];
    return ['child-process', why];
  }
  switch (where) {
    case 'main':
      return ['main-thread', 'sequential step: runs on the calling thread and takes its input by reference'];
    case 'event-loop-group':
      return ['main-thread', 'branch on the event loop: concurrent with its siblings, input by reference'];
    case 'container-group':
      return ['container', 'spilled branch: runs in another container'];
    case 'worker-group':
      if (offThread !== true) return ['main-thread', `CPU-bound branch, but ${offThread}: it stays on this thread`];
      return ['worker-thread', 'CPU-bound branch on a worker thread: buffers are moved, not copied'];
  }
}

/** The name of the protection domain a function runs in (errors and `explain()` use it). */
export const domainNameOf = (fn: string): string => `fn:${fn}`;
/** The name of the runtime's shared heap. */
export const SHARED_HEAP_DOMAIN = 'faastlane:shared';

/** A domain and the keys it took (`keys` says how many, in words), or why there is none. */
type DomainDecision = { readonly placed: true; readonly keys: string } | { readonly placed: false; readonly reason: string };

/** Why a function runs in its domain on the calling thread. */
const inProcessDomain = (fn: string, keys: string): string =>
  `isolation 'domain': runs synchronously on the calling thread inside its own protection domain "${domainNameOf(fn)}" (${keys}); ctx.heap is its protected heap, ctx.shared the shared heap "${SHARED_HEAP_DOMAIN}" that hands its output on by reference; other domains' heaps are denied while it runs`;

/** Why a function runs in its domain in the supervised domain host. */
const hostedDomain = (fn: string, keys: string): string =>
  `isolation 'domain': runs in the domain host (a child process this runtime supervises, shared by its domain functions) inside its own protection domain "${domainNameOf(fn)}" (${keys}); ctx.heap is its protected heap, ctx.shared the shared heap "${SHARED_HEAP_DOMAIN}"; other domains' heaps are denied while it runs, and an unguarded access to one kills the host, not this process, and fails the step with IsolationViolationError; state is copied over IPC`;
interface DomainAllocator {
  place(fn: string): DomainDecision;
}

/**
 * Hands out protection keys to the `isolation: 'domain'` functions of one plan, in plan order: each
 * function gets one domain however often it appears, the shared heap takes one key the first time,
 * and once the keys are gone the rest fall back to process isolation.
 */
function domainAllocator(workflow: Workflow<unknown, unknown>, context: PlanningContext): DomainAllocator {
  const mpk = context.machine.mpk;
  const budget = context.domains ?? { freeKeys: mpk.freeKeys, held: new Set<string>(), sharedHeld: false };
  let free = budget.freeKeys;
  let sharedHeld = budget.sharedHeld;
  const decided = new Map<string, DomainDecision>();
  const placedHere: string[] = [];
  const decide = (fn: string): DomainDecision => {
    if (!mpk.available) {
      return { placed: false, reason: `isolation 'domain' but MPK is unavailable (${mpk.reason}): a child process isolates it instead` };
    }
    if (isAsyncRun(workflow.functions.get(fn)?.cls)) {
      return {
        placed: false,
        reason:
          "isolation 'domain' but its run() is async: PKRU (a thread's key rights) belongs to the thread, and after an await other code runs on it, so a protection domain can only cover synchronous code; a child process isolates it instead",
      };
    }
    const inDomain = (keys: string): DomainDecision => ({ placed: true, keys });
    if (budget.held.has(fn)) return inDomain('its key is held already');
    const need = sharedHeld ? 1 : 2;
    if (free >= need) {
      free -= need;
      const how = `1 protection key${sharedHeld ? '' : ', plus 1 for the shared heap'}; ${free} of ${budget.freeKeys} free key(s) left after it`;
      sharedHeld = true;
      placedHere.push(fn);
      return inDomain(how);
    }
    const holders = [...budget.held, ...placedHere];
    return {
      placed: false,
      reason: `isolation 'domain' but the protection keys ran out (${budget.freeKeys} free at plan time${
        holders.length > 0 ? `, taken by the shared heap and the domains of ${holders.join(', ')}` : sharedHeld ? '' : `; a domain needs ${need} with the shared heap`
      }): a child process isolates it instead`,
    };
  };
  return {
    place(fn) {
      let decision = decided.get(fn);
      if (!decision) {
        decision = decide(fn);
        decided.set(fn, decision);
      }
      return decision;
    },
  };
}

/** Whether a function class's `run` is declared `async` (or as an async generator). */
function isAsyncRun(cls: unknown): boolean {
  const run = typeof cls === 'function' ? (cls.prototype as { run?: unknown } | undefined)?.run : undefined;
  const kind = typeof run === 'function' ? run.constructor.name : '';
  return kind === 'AsyncFunction' || kind === 'AsyncGeneratorFunction';
}

interface GroupDecision {
  readonly executor: GroupExecutor;
  readonly reason: string;
  readonly spill: SpillPlan | undefined;
}

function placeGroup(
  branches: readonly GraphNode[],
  width: number | undefined,
  spec: (fn: string) => FnSpec | undefined,
  context: PlanningContext,
  before: GroupExecutor | undefined,
): GroupDecision {
  if (context.mode === 'function-per-container') {
    return { executor: 'containers', reason: 'function-per-container baseline: each branch calls its functions\' containers concurrently', spill: undefined };
  }
  const profiles = branches.map((b) => profileBranch(b, spec, context.measurements));
  const cpuBound = profiles.filter((p) => p.cpu === 'bound');
  if (cpuBound.length === 0) {
    const reason = profiles.every((p) => p.cpu === 'io')
      ? 'I/O-bound branches: they mostly wait, so they share the event loop concurrently, state by reference'
      : 'branches with no cpu hint and not measured yet: on the event loop, state by reference (the planner moves them once measured)';
    return { executor: 'event-loop', reason, spill: undefined };
  }
  const slowest = Math.max(...cpuBound.map((p) => p.measuredMs ?? Number.POSITIVE_INFINITY));
  if (slowest < THREAD_HOP_BREAK_EVEN_MS) {
    return {
      executor: 'event-loop',
      reason: `CPU-bound but measured at ${slowest.toFixed(3)} ms, less than a thread hop (${THREAD_HOP_BREAK_EVEN_MS} ms): on the event loop`,
      spill: undefined,
    };
  }
  const moveAt = THREAD_HYSTERESIS * THREAD_HOP_BREAK_EVEN_MS;
  if (before === 'event-loop' && slowest < moveAt) {
    return {
      executor: 'event-loop',
      reason: `CPU-bound, measured at ${slowest.toFixed(3)} ms: stays on the event loop until a branch takes ${moveAt} ms (${THREAD_HYSTERESIS}x a thread hop)`,
      spill: undefined,
    };
  }
  if (context.workerThreads === 0) {
    return { executor: 'event-loop', reason: 'CPU-bound branches, but this runtime has no worker threads: on the event loop', spill: undefined };
  }
  if (profiles.every((p) => p.heldHere !== undefined)) {
    return { executor: 'event-loop', reason: `CPU-bound branches, but no worker thread can load their functions (${profiles[0]?.heldHere}): on the event loop`, spill: undefined };
  }
  const threads = `CPU-bound branches on ${context.workerThreads} worker thread(s) (one per vCPU this process may use)`;
  return { executor: 'worker-threads', reason: threads, spill: spillDecision(profiles, width, context) };
}

function spillDecision(profiles: readonly BranchProfile[], width: number | undefined, context: PlanningContext): SpillPlan {
  const beyond = context.workerThreads;
  const no = (reason: string): SpillPlan => ({ beyond, reason, enabled: false });
  if (width !== undefined && width <= beyond) return no(`${width} branch(es) fit in ${beyond} thread(s): no spill`);
  if (context.containerCapacity === 0) return no('no container tier: extra branches queue for a thread');
  const known = profiles.map((p) => p.measuredMs);
  if (known.some((ms) => ms === undefined)) return no('branch durations not measured yet: extra branches queue for a thread until they are');
  const branchMs = Math.min(...(known as number[]));
  const hopMs = context.measurements.hop('container')?.typicalMs ?? DEFAULT_CONTAINER_HOP_MS;
  if (branchMs < SPILL_PAYBACK * hopMs) {
    return no(`a branch takes ${branchMs.toFixed(2)} ms, less than ${SPILL_PAYBACK}x the ${hopMs.toFixed(2)} ms container hop: queueing for a thread is cheaper`);
  }
  return {
    beyond,
    enabled: true,
    reason: `a branch takes ${branchMs.toFixed(2)} ms, over ${SPILL_PAYBACK}x the ${hopMs.toFixed(2)} ms container hop: branches beyond the local share go to other containers (${context.containerCapacity} slot(s))`,
  };
}

interface BranchProfile {
  /** `bound` if any function is CPU-bound, `io` if all are I/O-bound, else unknown. */
  readonly cpu: 'bound' | 'io' | 'unknown';
  /** Sum of the measured mean times of its functions, or undefined if any is unmeasured. */
  readonly measuredMs: number | undefined;
  /** Why its plain (not isolated) functions cannot be loaded on a worker thread, if none of them can. */
  readonly heldHere: string | undefined;
}

function profileBranch(node: GraphNode, spec: (fn: string) => FnSpec | undefined, measurements: Measurements): BranchProfile {
  const fns: string[] = [];
  const collect = (n: GraphNode): void => {
    switch (n.kind) {
      case 'task':
        fns.push(n.fn);
        return;
      case 'pipe':
        n.steps.forEach(collect);
        return;
      case 'parallel':
        n.branches.forEach(collect);
        return;
      case 'choice':
        collect(n.then);
        if (n.otherwise) collect(n.otherwise);
        return;
      default:
        collect(n.body);
    }
  };
  collect(node);
  const kinds = fns.map((fn) => {
    const hint = spec(fn)?.cpu;
    if (hint) return hint;
    const share = measurements.fn(fn)?.cpuShare;
    return share === undefined ? 'unknown' : share > 0.5 ? 'bound' : 'io';
  });
  const cpu = kinds.includes('bound') ? 'bound' : kinds.every((k) => k === 'io') ? 'io' : 'unknown';
  let total: number | undefined = 0;
  for (const fn of fns) {
    const m = measurements.fn(fn);
    total = m && total !== undefined ? total + m.typicalMs : undefined;
  }
  // Held only when none of its plain functions can go: one that can still runs on a worker.
  const reasons = fns.flatMap((fn) => {
    const s = spec(fn);
    return s && s.isolation === 'none' ? [loadableElsewhere(s)] : [];
  });
  const heldHere = reasons.length > 0 && reasons.every((r) => r !== true) ? (reasons[0] as string) : undefined;
  return { cpu, measuredMs: total, heldHere };
}
