import { createWorkflow, type GraphNode, type Workflow } from '@faastlane/core';
import { autoNamed, partsOf, type Operator } from './operator.js';
import { pipeOf } from './operators/pipe.js';

/** Builds a workflow: `workflow('name').pipe(op1, op2, ...)`. */
export interface WorkflowBuilder {
  pipe<A, B>(op1: Operator<A, B>): Workflow<A, B>;
  pipe<A, B, C>(op1: Operator<A, B>, op2: Operator<B, C>): Workflow<A, C>;
  pipe<A, B, C, D>(op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>): Workflow<A, D>;
  pipe<A, B, C, D, E>(op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>): Workflow<A, E>;
  pipe<A, B, C, D, E, F>(
    op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>,
  ): Workflow<A, F>;
  pipe<A, B, C, D, E, F, G>(
    op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>,
  ): Workflow<A, G>;
  pipe<A, B, C, D, E, F, G, H>(
    op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>,
    op7: Operator<G, H>,
  ): Workflow<A, H>;
  pipe<A, B, C, D, E, F, G, H, I>(
    op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>,
    op7: Operator<G, H>, op8: Operator<H, I>,
  ): Workflow<A, I>;
  pipe<A, B, C, D, E, F, G, H, I, J>(
    op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>,
    op7: Operator<G, H>, op8: Operator<H, I>, op9: Operator<I, J>,
  ): Workflow<A, J>;
  pipe<A, B, C, D, E, F, G, H, I, J, K>(
    op1: Operator<A, B>, op2: Operator<B, C>, op3: Operator<C, D>, op4: Operator<D, E>, op5: Operator<E, F>, op6: Operator<F, G>,
    op7: Operator<G, H>, op8: Operator<H, I>, op9: Operator<I, J>, op10: Operator<J, K>,
  ): Workflow<A, K>;
}

/**
 * Starts a workflow definition. The result of `.pipe(...)` is a typed `Workflow<In, Out>` to give to
 * `runtime.invoke` / `runtime.start`; it is validated when first planned or run.
 */
export function workflow(name: string): WorkflowBuilder {
  return {
    pipe: (...ops: Operator<never, unknown>[]) => {
      const parts = partsOf(pipeOf(ops));
      return createWorkflow(name, { ...parts, root: uniqueAutoNames(parts.node) });
    },
  } as WorkflowBuilder;
}

/**
 * Steps the user did not name get unique paths: a second `task(Inc)` in the same scope becomes
 * `Inc#2`, a second unnamed `parallel` becomes `parallel#2`. Names the user chose are never changed
 * and never taken by an automatic name; duplicates among them are reported by validation.
 */
function uniqueAutoNames(root: GraphNode): GraphNode {
  type Named = Extract<GraphNode, { name: string }>;
  // The named nodes of one scope, in order: pipes and wrappers add no scope of their own.
  const collect = (node: GraphNode, out: Named[]): void => {
    if (node.kind === 'pipe') node.steps.forEach((s) => collect(s, out));
    else if (node.kind === 'retry' || node.kind === 'timeout' || node.kind === 'catch') collect(node.body, out);
    else out.push(node);
  };

  const renameScope = (scopeRoot: GraphNode): GraphNode => {
    const members: Named[] = [];
    collect(scopeRoot, members);
    const taken = new Set(members.filter((m) => !autoNamed.has(m)).map((m) => m.name));
    const names = members.map((m) => {
      if (!autoNamed.has(m)) return m.name;
      let candidate = m.name;
      for (let n = 2; taken.has(candidate); n++) candidate = `${m.name}#${n}`;
      taken.add(candidate);
      return candidate;
    });

    let next = 0;
    const rebuild = (node: GraphNode): GraphNode => {
      switch (node.kind) {
        case 'pipe':
          return { ...node, steps: node.steps.map(rebuild) };
        case 'retry':
        case 'timeout':
        case 'catch':
          return { ...node, body: rebuild(node.body) };
        case 'task':
          return { ...node, name: names[next++] ?? node.name };
        // Each branch, item or arm of a group is a new scope.
        case 'parallel':
          return { ...node, name: names[next++] ?? node.name, branches: node.branches.map(renameScope) };
        case 'map':
          return { ...node, name: names[next++] ?? node.name, body: renameScope(node.body) };
        case 'choice':
          return {
            ...node,
            name: names[next++] ?? node.name,
            then: renameScope(node.then),
            otherwise: node.otherwise && renameScope(node.otherwise),
          };
      }
    };
    return rebuild(scopeRoot);
  };
  return renameScope(root);
}
