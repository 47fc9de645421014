import type { FnClass, FnContext, TaskNode } from '@faastlane/core';
import { getFunctionDefinition } from '../fn.js';
import { autoNamed, makeTaskOperator, type Operator } from '../operator.js';

/** The input type of a function class: the first parameter of its `run`. */
export type FnInput<C extends FnClass> = InstanceType<C>['run'] extends (input: infer I, ctx: FnContext) => unknown ? I : never;
/** The output type of a function class: what its `run` returns, awaited. */
export type FnOutput<C extends FnClass> = Awaited<ReturnType<InstanceType<C>['run']>>;

export interface TaskOptions {
  /**
   * The step name in step paths. Defaults to the function's name, made unique in its scope (`Inc`,
   * `Inc#2`); a name given here must be unique in its scope.
   */
  readonly name?: string;
}

/**
 * A step that runs a function declared with `@Fn`. Its input and output types are `run`'s.
 * An undecorated class is reported when the workflow is validated, not here.
 */
export function task<C extends FnClass>(fn: C, options: TaskOptions = {}): Operator<FnInput<C>, FnOutput<C>> {
  const def = getFunctionDefinition(fn);
  const fnName = def?.spec.name ?? fn.name;
  const node: TaskNode = { kind: 'task', name: options.name ?? fnName, fn: fnName };
  if (options.name === undefined) autoNamed.add(node);
  return makeTaskOperator(node, def, fn);
}
