import type { ParallelNode } from '@faastlane/core';
import { autoNamed, makeOperator, partsOf, type Operator } from '../operator.js';

/**
 * Runs branches concurrently on the same input; the output is the tuple of their outputs, in order.
 * Each branch's input type must accept the group's input. Name the group with `named('checks', parallel(...))`.
 */
export function parallel<In, A>(b1: Operator<In, A>): Operator<In, readonly [A]>;
export function parallel<In, A, B>(b1: Operator<In, A>, b2: Operator<In, B>): Operator<In, readonly [A, B]>;
export function parallel<In, A, B, C>(b1: Operator<In, A>, b2: Operator<In, B>, b3: Operator<In, C>): Operator<In, readonly [A, B, C]>;
export function parallel<In, A, B, C, D>(b1: Operator<In, A>, b2: Operator<In, B>, b3: Operator<In, C>, b4: Operator<In, D>): Operator<In, readonly [A, B, C, D]>;
export function parallel<In, A, B, C, D, E>(b1: Operator<In, A>, b2: Operator<In, B>, b3: Operator<In, C>, b4: Operator<In, D>, b5: Operator<In, E>): Operator<In, readonly [A, B, C, D, E]>;
export function parallel<In, A, B, C, D, E, F>(b1: Operator<In, A>, b2: Operator<In, B>, b3: Operator<In, C>, b4: Operator<In, D>, b5: Operator<In, E>, b6: Operator<In, F>): Operator<In, readonly [A, B, C, D, E, F]>;
export function parallel<In, A, B, C, D, E, F, G>(b1: Operator<In, A>, b2: Operator<In, B>, b3: Operator<In, C>, b4: Operator<In, D>, b5: Operator<In, E>, b6: Operator<In, F>, b7: Operator<In, G>): Operator<In, readonly [A, B, C, D, E, F, G]>;
export function parallel<In, A, B, C, D, E, F, G, H>(b1: Operator<In, A>, b2: Operator<In, B>, b3: Operator<In, C>, b4: Operator<In, D>, b5: Operator<In, E>, b6: Operator<In, F>, b7: Operator<In, G>, b8: Operator<In, H>): Operator<In, readonly [A, B, C, D, E, F, G, H]>;
export function parallel<In, A, B, C, D, E, F, G, H, J>(b1: Operator<In, A>, b2: Operator<In, B>, b3: Operator<In, C>, b4: Operator<In, D>, b5: Operator<In, E>, b6: Operator<In, F>, b7: Operator<In, G>, b8: Operator<In, H>, b9: Operator<In, J>): Operator<In, readonly [A, B, C, D, E, F, G, H, J]>;
export function parallel<In, A, B, C, D, E, F, G, H, J, K>(b1: Operator<In, A>, b2: Operator<In, B>, b3: Operator<In, C>, b4: Operator<In, D>, b5: Operator<In, E>, b6: Operator<In, F>, b7: Operator<In, G>, b8: Operator<In, H>, b9: Operator<In, J>, b10: Operator<In, K>): Operator<In, readonly [A, B, C, D, E, F, G, H, J, K]>;
/** More than ten branches of one output type. */
export function parallel<In, Out>(...branches: Operator<In, Out>[]): Operator<In, readonly Out[]>;
// The implementation signature is not visible to callers; the overloads above carry the types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function parallel(...branches: Operator<never, unknown>[]): Operator<any, any> {
  const node: ParallelNode = { kind: 'parallel', name: 'parallel', branches: branches.map((b) => partsOf(b).node) };
  autoNamed.add(node);
  return makeOperator(node, branches);
}

