/**
 * The workflow graph: a plain, versioned, JSON-serialisable intermediate representation.
 *
 * The DSL builds it, the validator checks it, the planner turns it into a plan. Nothing in it is a
 * live object: functions are referred to by name (their specs are in `functions`) and the few
 * JavaScript callbacks a workflow may hold (a `choice` predicate, a `catchError` handler) by id, so
 * the graph can be printed, stored, diffed and shipped to another process.
 */

/** The version of the graph format. Bumped on any incompatible change. */
export const GRAPH_VERSION = 1;

export type Isolation = 'none' | 'domain' | 'process';
export type CpuHint = 'bound' | 'io';

/** Backoff between retry attempts: `initialMs * factor^(attempt-1)`, capped at `maxMs`. */
export interface BackoffSpec {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

/** What the graph records about a function (the JSON half of a `@Fn` declaration). */
export interface FnSpec {
  readonly name: string;
  readonly isolation: Isolation;
  readonly cpu: CpuHint | undefined;
  readonly timeoutMs: number | undefined;
  readonly retries: number;
  /** Name of the input DTO class, when the function's input is validated. */
  readonly input: string | undefined;
  /**
   * URL of the ES module that declares (and exports) the function's class, so that a worker thread,
   * a child process or a container can load it. Undefined when it could not be found out.
   */
  readonly module: string | undefined;
}

export interface TaskNode {
  readonly kind: 'task';
  /** The step name: the function's name unless renamed with `task(Fn, { name })`. */
  readonly name: string;
  /** The function it runs: a key of `WorkflowGraph.functions`. */
  readonly fn: string;
}

export interface PipeNode {
  readonly kind: 'pipe';
  readonly steps: readonly GraphNode[];
}

export interface ParallelNode {
  readonly kind: 'parallel';
  readonly name: string;
  readonly branches: readonly GraphNode[];
}

export interface MapNode {
  readonly kind: 'map';
  readonly name: string;
  readonly body: GraphNode;
  /** How many items run at once; absent means all of them. */
  readonly concurrency: number | undefined;
}

export interface ChoiceNode {
  readonly kind: 'choice';
  readonly name: string;
  /** Id of the predicate callback in the workflow's callback table. */
  readonly predicate: string;
  readonly then: GraphNode;
  /** Absent: the input passes through unchanged when the predicate is false. */
  readonly otherwise: GraphNode | undefined;
}

export interface RetryNode {
  readonly kind: 'retry';
  readonly body: GraphNode;
  readonly retries: number;
  readonly backoff: BackoffSpec | undefined;
}

export interface TimeoutNode {
  readonly kind: 'timeout';
  readonly body: GraphNode;
  readonly ms: number;
}

export interface CatchNode {
  readonly kind: 'catch';
  readonly body: GraphNode;
  /** Id of the handler callback in the workflow's callback table. */
  readonly handler: string;
}

export type GraphNode = TaskNode | PipeNode | ParallelNode | MapNode | ChoiceNode | RetryNode | TimeoutNode | CatchNode;

/** A whole workflow graph. `JSON.parse(JSON.stringify(graph))` gives an equal graph. */
export interface WorkflowGraph {
  readonly version: typeof GRAPH_VERSION;
  readonly name: string;
  readonly functions: Readonly<Record<string, FnSpec>>;
  readonly root: GraphNode;
}
