import type { FaastlaneError, ValidationProblem } from './errors.js';
import type { FnDefinition } from './functions/definition.js';
import { GRAPH_VERSION, type GraphNode, type WorkflowGraph } from './graph/ir.js';

/** A `choice` predicate. */
export type Predicate = (input: never) => boolean | Promise<boolean>;
/** A `catchError` handler: gets the typed error and the input of the failed operator. */
export type ErrorHandler = (error: FaastlaneError, input: never) => unknown;

/** The live callbacks a workflow holds, by the ids its graph uses. */
export type Callback = { readonly kind: 'predicate'; readonly fn: Predicate } | { readonly kind: 'handler'; readonly fn: ErrorHandler };

/**
 * A workflow: its JSON graph plus the live parts the graph refers to (function classes, callbacks).
 * `In` and `Out` are the types of its input and result; they exist only for the compiler.
 */
export interface Workflow<In, Out> {
  readonly name: string;
  readonly graph: WorkflowGraph;
  readonly functions: ReadonlyMap<string, FnDefinition>;
  readonly callbacks: ReadonlyMap<string, Callback>;
  /** Problems found while composing (e.g. two classes declared under one name), reported by validation. */
  readonly compositionProblems: readonly ValidationProblem[];
  /** Phantom member carrying the input and output types; never set at run time. */
  readonly __types?: (input: In) => Out;
  /** The JSON graph. */
  toJSON(): WorkflowGraph;
}

/** The parts a workflow is assembled from. The DSL collects them while composing operators. */
export interface WorkflowParts {
  readonly root: GraphNode;
  readonly functions: ReadonlyMap<string, FnDefinition>;
  readonly callbacks: ReadonlyMap<string, Callback>;
  readonly problems: readonly ValidationProblem[];
}

/** Assembles a workflow. Does not validate: `Runtime` validates before planning or running. */
export function createWorkflow<In, Out>(name: string, parts: WorkflowParts): Workflow<In, Out> {
  const functions: Record<string, FnDefinition['spec']> = {};
  for (const [key, def] of parts.functions) functions[key] = def.spec;
  const graph: WorkflowGraph = { version: GRAPH_VERSION, name, functions, root: parts.root };
  return {
    name,
    graph,
    functions: parts.functions,
    callbacks: parts.callbacks,
    compositionProblems: parts.problems,
    toJSON: () => graph,
  };
}
