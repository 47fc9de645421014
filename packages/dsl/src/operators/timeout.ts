import type { TimeoutNode } from '@faastlane/core';
import { makeOperator, partsOf, type Operator } from '../operator.js';

/**
 * Fails `op` with `StepTimeoutError` when it runs longer than `ms`; the steps inside see their
 * `ctx.signal` fire.
 */
export function timeout<In, Out>(op: Operator<In, Out>, ms: number): Operator<In, Out> {
  const node: TimeoutNode = { kind: 'timeout', body: partsOf(op).node, ms };
  return makeOperator(node, [op]);
}
