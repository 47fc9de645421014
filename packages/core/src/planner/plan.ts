import type { BackoffSpec, Isolation } from '../graph/ir.js';
import type { MachineInfo } from './machine.js';

/**
 * `faastlane`: as few places as possible, state shared by reference. `function-per-container`: the
 * baseline, every function in its own container with state as JSON over HTTP, as FaaS platforms do.
 */
export type RuntimeMode = 'faastlane' | 'function-per-container';
import { explainPlan } from './explain.js';
import { planToMermaid } from './mermaid.js';

/**
 * Where a single step runs: on the thread of its lane (`main-thread`, state by reference), on that
 * thread inside the function's own protection domain (`domain`: MPK, state by reference), in its own
 * protection domain in the runtime's supervised domain host process (`domain-host`: MPK, state
 * v8-serialised over IPC), on a worker
 * thread of this process (buffers moved, the rest structured-cloned), in a child process of this
 * container (v8-serialised over IPC), or in another container (over HTTP).
 */
export type Placement = 'main-thread' | 'domain' | 'domain-host' | 'worker-thread' | 'child-process' | 'container';

/**
 * How the branches of a `parallel` or the items of a `map` run: concurrently on the event loop
 * (I/O-bound or tiny work), on the worker-thread pool (CPU-bound work), or each in a container
 * (the function-per-container baseline).
 */
export type GroupExecutor = 'event-loop' | 'worker-threads' | 'containers';

/** Whether a group sends part of its branches to other containers when it is wider than this one. */
export interface SpillPlan {
  /** Branches or items beyond this many (the local pool's width) may go to containers. */
  readonly beyond: number;
  /** Why (or why not). */
  readonly reason: string;
  readonly enabled: boolean;
}

/** A function call. */
export interface TaskPlan {
  readonly kind: 'task';
  readonly path: string;
  readonly name: string;
  readonly fn: string;
  readonly placement: Placement;
  readonly isolation: Isolation;
  /** Why the planner put it there, in words. */
  readonly reason: string;
}

/** A sequence of steps on one thread: each step gets the previous step's output by reference. */
export interface LanePlan {
  readonly kind: 'lane';
  readonly path: string;
  readonly steps: readonly StepPlan[];
}

/** A fork: the branches of a `parallel`, or one lane run per item of a `map`. */
export interface GroupPlan {
  readonly kind: 'group';
  readonly op: 'parallel' | 'map';
  readonly path: string;
  readonly name: string;
  readonly executor: GroupExecutor;
  readonly reason: string;
  /** `parallel`: one lane per branch. `map`: one lane, run once per item. */
  readonly branches: readonly LanePlan[];
  /** `map` only: items in flight at once (undefined: all). */
  readonly concurrency: number | undefined;
  /** Spilling to other containers, for groups on worker threads. */
  readonly spill: SpillPlan | undefined;
}

export interface ChoicePlan {
  readonly kind: 'choice';
  readonly path: string;
  readonly name: string;
  readonly predicate: string;
  readonly then: LanePlan;
  readonly otherwise: LanePlan | undefined;
}

export interface RetryPlan {
  readonly kind: 'retry';
  readonly path: string;
  readonly retries: number;
  readonly backoff: BackoffSpec | undefined;
  readonly body: LanePlan;
}

export interface TimeoutPlan {
  readonly kind: 'timeout';
  readonly path: string;
  readonly ms: number;
  readonly body: LanePlan;
}

export interface CatchPlan {
  readonly kind: 'catch';
  readonly path: string;
  readonly handler: string;
  readonly body: LanePlan;
}

export type StepPlan = TaskPlan | GroupPlan | ChoicePlan | RetryPlan | TimeoutPlan | CatchPlan;

/** The JSON form of a plan. */
export interface PlanJSON {
  readonly workflow: string;
  readonly mode: RuntimeMode;
  readonly machine: MachineInfo;
  readonly root: LanePlan;
}

/**
 * Where every step of a workflow runs, and why: a tree of lanes and groups.
 * Print it with `explain()`, draw it with `toMermaid()`.
 */
export class Plan {
  constructor(
    readonly workflow: string,
    readonly mode: RuntimeMode,
    readonly machine: MachineInfo,
    readonly root: LanePlan,
  ) {}

  /** The plan as indented text, one line per step, each with where it runs and why. */
  explain(): string {
    return explainPlan(this);
  }

  /** The plan as a Mermaid flowchart. */
  toMermaid(): string {
    return planToMermaid(this);
  }

  toJSON(): PlanJSON {
    return { workflow: this.workflow, mode: this.mode, machine: this.machine, root: this.root };
  }

  /** Every task of the plan, in order. */
  tasks(): TaskPlan[] {
    const out: TaskPlan[] = [];
    forEachStep(this.root, (step) => {
      if (step.kind === 'task') out.push(step);
    });
    return out;
  }
}

/** Visits every step of a lane and of the lanes nested in it, depth first, in order. */
export function forEachStep(lane: LanePlan, visit: (step: StepPlan) => void): void {
  for (const step of lane.steps) {
    visit(step);
    switch (step.kind) {
      case 'task':
        break;
      case 'group':
        step.branches.forEach((b) => forEachStep(b, visit));
        break;
      case 'choice':
        forEachStep(step.then, visit);
        if (step.otherwise) forEachStep(step.otherwise, visit);
        break;
      default:
        forEachStep(step.body, visit);
    }
  }
}
