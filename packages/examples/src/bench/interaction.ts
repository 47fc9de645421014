/**
 * Function interaction latency from a run's events: for every function call, the time from the end
 * of the function(s) whose output it takes to its own start, each read where the function ran
 * (`step.completed` events carry `ran`). A step after a group waits for all the group's branches, so
 * its gap is counted from the last of them to end. Where one output fans out to many branches, only
 * the first branch to start counts: the others also wait for a free thread or container, which is
 * queueing, not the hop. The first function of a run has no producer.
 */
import { stepPath, type LanePlan, type Plan, type StepPlan, type WorkflowEvent } from '@faastlane/core';

export function interactionGaps(plan: Plan, events: readonly WorkflowEvent[]): number[] {
  const spans = new Map<string, { start: number; end: number }>();
  for (const e of events) if (e.type === 'step.completed' && e.ran) spans.set(e.path, e.ran);
  const paths = [...spans.keys()];
  const gaps: number[] = [];

  // `sink` collects the gap of a lane's first function instead of `gaps` (a fan-out keeps the smallest).
  const lane = (l: LanePlan, scope: string, ends: number[], sink: number[] = gaps): number[] => {
    let current = ends;
    l.steps.forEach((s, k) => {
      current = step(s, scope, current, k === 0 ? sink : gaps);
    });
    return current;
  };

  const fork = (branches: readonly [LanePlan, string][], ends: number[], sink: number[]): number[] => {
    const firsts: number[] = [];
    const out = branches.flatMap(([b, scope]) => lane(b, scope, ends, firsts));
    if (firsts.length > 0) sink.push(Math.min(...firsts));
    return out;
  };

  const step = (s: StepPlan, scope: string, ends: number[], sink: number[]): number[] => {
    switch (s.kind) {
      case 'task': {
        const span = spans.get(stepPath.child(scope, s.name));
        if (!span) return ends;
        if (ends.length > 0) sink.push(span.start - Math.max(...ends));
        return [span.end];
      }
      case 'group': {
        if (s.op === 'parallel') return fork(s.branches.map((b, i) => [b, stepPath.branch(scope, s.name, i)] as [LanePlan, string]), ends, sink);
        const body = s.branches[0];
        if (!body) return ends;
        const prefix = `${scope}/${s.name}[`;
        const items = new Set(paths.filter((p) => p.startsWith(prefix)).map((p) => Number(p.slice(prefix.length, p.indexOf(']', prefix.length)))));
        return fork([...items].map((i) => [body, stepPath.branch(scope, s.name, i)] as [LanePlan, string]), ends, sink);
      }
      case 'choice': {
        const then = stepPath.choiceArm(scope, s.name, 'then');
        const otherwise = stepPath.choiceArm(scope, s.name, 'else');
        if (paths.some((p) => p.startsWith(`${then}/`))) return lane(s.then, then, ends, sink);
        if (s.otherwise && paths.some((p) => p.startsWith(`${otherwise}/`))) return lane(s.otherwise, otherwise, ends, sink);
        return ends;
      }
      default:
        return lane(s.body, scope, ends, sink);
    }
  };

  lane(plan.root, plan.workflow, []);
  return gaps;
}
