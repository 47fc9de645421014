import type { PipeNode } from '@faastlane/core';
import { makeOperator, partsOf, type Operator } from '../operator.js';

/**
 * Runs operators one after the other, each getting the previous one's output by reference.
 * A pipe is itself an operator. Each operator's input must accept the previous one's output.
 * Up to ten operators per call; nest pipes for more: `pipe(pipe(a, b, c), d)`.
 */
export function pipe<A, B>(op1: Operator<A, B>): Operator<A, B>;
export function pipe<A, B, C>(op1: Operator<A, B>, op2: Operator<B, C>): Operator<A, C>;
export function pipe<A, B, C, D>(op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>): Operator<A, D>;
export function pipe<A, B, C, D, E>(op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>): Operator<A, E>;
export function pipe<A, B, C, D, E, F>(
  op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>,
): Operator<A, F>;
export function pipe<A, B, C, D, E, F, G>(
  op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>,
): Operator<A, G>;
export function pipe<A, B, C, D, E, F, G, H>(
  op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>,
  op7: Operator<G, H>,
): Operator<A, H>;
export function pipe<A, B, C, D, E, F, G, H, I>(
  op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>,
  op7: Operator<G, H>, op8: Operator<H, I>,
): Operator<A, I>;
export function pipe<A, B, C, D, E, F, G, H, I, J>(
  op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>,
  op7: Operator<G, H>, op8: Operator<H, I>, op9: Operator<I, J>,
): Operator<A, J>;
export function pipe<A, B, C, D, E, F, G, H, I, J, K>(
  op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>,
  op7: Operator<G, H>, op8: Operator<H, I>, op9: Operator<I, J>, op10: Operator<J, K>,
): Operator<A, K>;
export function pipe(...ops: Operator<never, unknown>[]): Operator<never, unknown> {
  return pipeOf(ops);
}

/** `pipe` without the type checks between neighbours, for callers that have checked them already. */
export function pipeOf(ops: readonly Operator<never, unknown>[]): Operator<never, unknown> {
  const node: PipeNode = { kind: 'pipe', steps: ops.map((op) => partsOf(op).node) };
  return makeOperator(node, ops);
}
