import { makeOperator, partsOf, type Operator } from '../operator.js';

/**
 * Gives a step its name in step paths: `named('checks', parallel(a, b))` runs under
 * `workflow/checks[0]/...`. Works on `task`, `parallel`, `map` and `choice`.
 */
export function named<In, Out>(name: string, op: Operator<In, Out>): Operator<In, Out> {
  const { node } = partsOf(op);
  if (!('name' in node)) throw new TypeError(`named("${name}", ...) needs a task, parallel, map or choice, got a ${node.kind}`);
  return makeOperator({ ...node, name }, [op]);
}
