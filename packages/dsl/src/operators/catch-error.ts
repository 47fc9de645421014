import type { CatchNode, ErrorHandler, FaastlaneError } from '@faastlane/core';
import { callbackId, makeOperator, partsOf, type Operator } from '../operator.js';

/**
 * Runs `op`; if it fails, returns what `handler(error, input)` returns instead (the handler may
 * rethrow). The error is always a typed `FaastlaneError` naming the failed step. Cancellation is
 * not caught.
 */
export function catchError<In, Out, R>(
  op: Operator<In, Out>,
  handler: (error: FaastlaneError, input: In) => R | Promise<R>,
): Operator<In, Out | R> {
  const id = callbackId('handler');
  const node: CatchNode = { kind: 'catch', body: partsOf(op).node, handler: id };
  return makeOperator(node, [op], [id, { kind: 'handler', fn: handler as ErrorHandler }]);
}
