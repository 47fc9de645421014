import type { GraphNode } from './ir.js';

/**
 * Step paths name every step of a workflow: `workflow/parallel[1]/Render`.
 *
 * `pipe`, `retry`, `timeout` and `catchError` are transparent (they add no segment); a task adds its
 * name; `parallel` and `map` add `name[i]` per branch or item (`name[*]` for a map's body in the static
 * graph); `choice` adds `name/then` or `name/else`. The validator, the planner and the runtime all
 * derive paths from these helpers so that they always agree.
 */
export const stepPath = {
  child: (parent: string, segment: string): string => `${parent}/${segment}`,
  branch: (parent: string, name: string, index: number | '*'): string => `${parent}/${name}[${index}]`,
  choiceArm: (parent: string, name: string, arm: 'then' | 'else'): string => `${parent}/${name}/${arm}`,
};

/** Visits every node with its static step path (the path of the scope it sits in, plus its own segment). */
export function walkGraph(root: GraphNode, rootPath: string, visit: (node: GraphNode, path: string) => void): void {
  const walk = (node: GraphNode, scope: string): void => {
    // A graph read from JSON may hold anything: let the visitor report what is not an operator.
    if (typeof node !== 'object' || node === null) {
      visit(node, scope);
      return;
    }
    switch (node.kind) {
      case 'task':
        visit(node, stepPath.child(scope, node.name));
        return;
      case 'pipe':
        visit(node, scope);
        list(node.steps).forEach((s) => walk(s, scope));
        return;
      case 'parallel':
        visit(node, stepPath.child(scope, node.name));
        list(node.branches).forEach((b, i) => walk(b, stepPath.branch(scope, node.name, i)));
        return;
      case 'map':
        visit(node, stepPath.child(scope, node.name));
        if (node.body) walk(node.body, stepPath.branch(scope, node.name, '*'));
        return;
      case 'choice':
        visit(node, stepPath.child(scope, node.name));
        if (node.then) walk(node.then, stepPath.choiceArm(scope, node.name, 'then'));
        if (node.otherwise) walk(node.otherwise, stepPath.choiceArm(scope, node.name, 'else'));
        return;
      case 'retry':
      case 'timeout':
      case 'catch':
        visit(node, scope);
        if (node.body) walk(node.body, scope);
        return;
      default:
        // A graph read from JSON may hold a kind this version does not know: let the visitor report it.
        visit(node, scope);
    }
  };
  walk(root, rootPath);
}

// Graphs may come from JSON: tolerate a missing list so that validation can report it instead of crashing.
function list<T>(items: readonly T[] | undefined): readonly T[] {
  return Array.isArray(items) ? items : [];
}
