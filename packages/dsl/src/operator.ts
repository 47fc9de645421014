import type { Callback, FnDefinition, GraphNode, ValidationProblem } from '@faastlane/core';

const PARTS = Symbol('faastlane.operator');

/** What an operator carries: its graph node and the live parts the node refers to. */
export interface OperatorParts {
  readonly node: GraphNode;
  readonly functions: ReadonlyMap<string, FnDefinition>;
  readonly callbacks: ReadonlyMap<string, Callback>;
  readonly problems: readonly ValidationProblem[];
  /** Classes given to `task()` without `@Fn`, by the name their step refers to. */
  readonly undecorated: ReadonlyMap<string, abstract new (...args: never[]) => unknown>;
}

/**
 * A step of a workflow that takes an `In` and produces an `Out`. Operators compose like RxJS:
 * `pipe(a, b, c)` is itself an operator. `In` is contravariant and `Out` covariant, so composing a
 * step whose input does not accept the previous step's output is a compile error.
 */
export interface Operator<in In, out Out> {
  /** @internal The graph node and live parts; read with `partsOf`. */
  readonly [PARTS]: OperatorParts;
  /** Phantom member carrying the types; never set at run time. */
  readonly __types?: (input: In) => Out;
}

/** The input type of an operator. */
export type OperatorInput<O> = O extends Operator<infer In, unknown> ? In : never;
/** The output type of an operator. */
export type OperatorOutput<O> = O extends Operator<never, infer Out> ? Out : never;

/** Wraps a node and the parts of its children into an operator. */
export function makeOperator<In, Out>(node: GraphNode, children: readonly Operator<never, unknown>[] = [], callback?: [string, Callback]): Operator<In, Out> {
  const functions = new Map<string, FnDefinition>();
  const callbacks = new Map<string, Callback>();
  const problems: ValidationProblem[] = [];
  const undecorated = new Map<string, abstract new (...args: never[]) => unknown>();
  for (const child of children) {
    const parts = partsOf(child);
    for (const [name, def] of parts.functions) {
      const known = functions.get(name);
      if (known && known.cls !== def.cls) {
        problems.push({ path: name, message: `two different classes (${known.cls.name}, ${def.cls.name}) are declared as function "${name}": give one another name with @Fn({ name })` });
      } else functions.set(name, def);
    }
    for (const [name, cls] of parts.undecorated) undecorated.set(name, cls);
    for (const [id, cb] of parts.callbacks) callbacks.set(id, cb);
    problems.push(...parts.problems);
  }
  // A step whose class lacks @Fn names the function by the class's name: where a decorated class has
  // that name too, the step would run that other class. (Alone, it is an unknown function to the validator.)
  for (const [name, cls] of undecorated) {
    const known = functions.get(name);
    if (known && known.cls !== cls) {
      problems.push({ path: name, message: `class ${cls.name} given to task() is not decorated with @Fn(), and another class is declared as function "${name}": decorate it (with another name)` });
      // Reported here, where the two meet: the operators around this one need not say it again.
      undecorated.delete(name);
    }
  }
  if (callback) callbacks.set(callback[0], callback[1]);
  return { [PARTS]: { node, functions, callbacks, problems, undecorated } };
}

/** Adds a function definition to a task operator's parts. */
export function makeTaskOperator<In, Out>(node: GraphNode, def: FnDefinition | undefined, cls: abstract new (...args: never[]) => unknown): Operator<In, Out> {
  const functions = new Map<string, FnDefinition>();
  const undecorated = new Map<string, abstract new (...args: never[]) => unknown>();
  if (def) functions.set(def.spec.name, def);
  else undecorated.set(cls.name, cls);
  return { [PARTS]: { node, functions, callbacks: new Map(), problems: [], undecorated } };
}

/** The parts of an operator. */
export function partsOf(op: Operator<never, unknown>): OperatorParts {
  const parts = (op as Partial<Operator<never, unknown>>)[PARTS];
  if (!parts) throw new TypeError('not a Faastlane operator: build steps with task(), pipe(), parallel(), map(), choice()...');
  return parts;
}

let nextCallbackId = 1;
/** A workflow-unique id for a callback (ids are global, so merged workflows never collide). */
export function callbackId(kind: string): string {
  return `${kind}#${nextCallbackId++}`;
}

/** Composite nodes whose name the user did not choose; the workflow builder may rename them to keep paths unique. */
export const autoNamed = new WeakSet<GraphNode>();
