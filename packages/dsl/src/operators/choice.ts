import type { ChoiceNode, Predicate } from '@faastlane/core';
import { autoNamed, callbackId, makeOperator, partsOf, type Operator } from '../operator.js';

export interface ChoiceOptions {
  /** The choice's name in step paths (default `choice`). */
  readonly name?: string;
}

/**
 * Runs `then` when `predicate(input)` holds, else `otherwise` (or passes the input through unchanged
 * when there is no `otherwise`).
 */
export function choice<In, A, B = In>(
  predicate: (input: In) => boolean | Promise<boolean>,
  then: Operator<In, A>,
  otherwise?: Operator<In, B>,
  options: ChoiceOptions = {},
): Operator<In, A | B> {
  const id = callbackId('predicate');
  const node: ChoiceNode = {
    kind: 'choice',
    name: options.name ?? 'choice',
    predicate: id,
    then: partsOf(then).node,
    otherwise: otherwise ? partsOf(otherwise).node : undefined,
  };
  if (options.name === undefined) autoNamed.add(node);
  const children: Operator<never, unknown>[] = otherwise ? [then, otherwise] : [then];
  return makeOperator(node, children, [id, { kind: 'predicate', fn: predicate as Predicate }]);
}
