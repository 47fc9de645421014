import type { GraphNode } from '../graph/ir.js';
import { stepPath } from '../graph/paths.js';
import type { Workflow } from '../workflow.js';
import type { MachineInfo } from './machine.js';
import { Plan, type LanePlan, type StepPlan } from './plan.js';

/**
 * Turns a validated workflow graph into a plan.
 *
 * This first planner keeps the whole workflow in this process: sequences become lanes on the main
 * thread (each step gets the previous output by reference), and the branches of `parallel` and the
 * items of `map` run concurrently on the event loop. The thread, process and container tiers extend
 * the decisions made here.
 */
export function planWorkflow(workflow: Workflow<unknown, unknown>, machine: MachineInfo): Plan {
  const { graph } = workflow;

  const lane = (node: GraphNode, scope: string): LanePlan => ({
    kind: 'lane',
    path: scope,
    steps: node.kind === 'pipe' ? node.steps.flatMap((s) => lane(s, scope).steps) : [step(node, scope)],
  });

  const step = (node: Exclude<GraphNode, { kind: 'pipe' }>, scope: string): StepPlan => {
    switch (node.kind) {
      case 'task': {
        const spec = graph.functions[node.fn];
        return {
          kind: 'task',
          path: stepPath.child(scope, node.name),
          name: node.name,
          fn: node.fn,
          placement: 'main-thread',
          isolation: spec?.isolation ?? 'none',
          reason: 'sequential step: runs on the calling thread and takes its input by reference',
        };
      }
      case 'parallel':
        return {
          kind: 'group',
          op: 'parallel',
          path: stepPath.child(scope, node.name),
          name: node.name,
          executor: 'event-loop',
          reason: 'branches run concurrently in this process (no thread tier yet); state is shared by reference',
          branches: node.branches.map((b, i) => lane(b, stepPath.branch(scope, node.name, i))),
          concurrency: undefined,
        };
      case 'map':
        return {
          kind: 'group',
          op: 'map',
          path: stepPath.child(scope, node.name),
          name: node.name,
          executor: 'event-loop',
          reason: 'items run concurrently in this process (no thread tier yet); each item is passed by reference',
          branches: [lane(node.body, stepPath.branch(scope, node.name, '*'))],
          concurrency: node.concurrency,
        };
      case 'choice':
        return {
          kind: 'choice',
          path: stepPath.child(scope, node.name),
          name: node.name,
          predicate: node.predicate,
          then: lane(node.then, stepPath.choiceArm(scope, node.name, 'then')),
          otherwise: node.otherwise ? lane(node.otherwise, stepPath.choiceArm(scope, node.name, 'else')) : undefined,
        };
      case 'retry':
        return { kind: 'retry', path: scope, retries: node.retries, backoff: node.backoff, body: lane(node.body, scope) };
      case 'timeout':
        return { kind: 'timeout', path: scope, ms: node.ms, body: lane(node.body, scope) };
      case 'catch':
        return { kind: 'catch', path: scope, handler: node.handler, body: lane(node.body, scope) };
    }
  };

  return new Plan(graph.name, machine, lane(graph.root, graph.name));
}
