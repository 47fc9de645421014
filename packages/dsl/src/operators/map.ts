import type { MapNode } from '@faastlane/core';
import { autoNamed, makeOperator, partsOf, type Operator } from '../operator.js';

export interface MapOptions {
  /** How many items run at once (default: all). */
  readonly concurrency?: number;
  /** The group's name in step paths (default `map`); item `i` runs under `map[i]`. */
  readonly name?: string;
}

/**
 * Runs `op` on every item of an array input (the Map state of Amazon States Language); the output
 * is the array of results, in input order. An input that is not an array fails the run with a
 * `WorkflowValidationError` naming the step.
 */
export function map<In, Out>(op: Operator<In, Out>, options: MapOptions = {}): Operator<readonly In[], Out[]> {
  const node: MapNode = { kind: 'map', name: options.name ?? 'map', body: partsOf(op).node, concurrency: options.concurrency };
  if (options.name === undefined) autoNamed.add(node);
  return makeOperator(node, [op]);
}
