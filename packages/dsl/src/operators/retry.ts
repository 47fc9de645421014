import type { BackoffSpec, RetryNode } from '@faastlane/core';
import { makeOperator, partsOf, type Operator } from '../operator.js';

export interface RetryOptions {
  /** How many times to retry after the first failure (default 3). */
  readonly retries?: number;
  /** Delay between attempts (default: the runtime's, 100 ms doubling up to 5 s). */
  readonly backoff?: BackoffSpec;
}

/**
 * Re-runs `op` from its start when it fails, with exponential backoff. Invalid input and
 * cancellation are not retried.
 */
export function retry<In, Out>(op: Operator<In, Out>, options: RetryOptions = {}): Operator<In, Out> {
  const node: RetryNode = { kind: 'retry', body: partsOf(op).node, retries: options.retries ?? 3, backoff: options.backoff };
  return makeOperator(node, [op]);
}
