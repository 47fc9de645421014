import type { LanePlan, Plan, StepPlan } from './plan.js';

/** Renders a plan as indented text: a header about the machine, then one line per step. */
export function explainPlan(plan: Plan): string {
  const { machine } = plan;
  const lines = [
    `Plan for workflow "${plan.workflow}" (${plan.mode} mode)`,
    `  machine: ${machine.vcpus} vCPU(s) (from ${machine.vcpuSource}); MPK ${machine.mpk.available ? `available, ${machine.mpk.freeKeys} free keys` : `unavailable (${machine.mpk.reason})`}`,
  ];
  lane(plan.root, 1, lines, 'lane on the main thread (state passes by reference)');
  return lines.join('\n');
}

function lane(l: LanePlan, depth: number, lines: string[], title: string): void {
  lines.push(`${pad(depth)}${title}`);
  l.steps.forEach((s, i) => step(s, i + 1, depth + 1, lines));
}

function step(s: StepPlan, n: number, depth: number, lines: string[]): void {
  const at = `${pad(depth)}${n}. `;
  switch (s.kind) {
    case 'task':
      lines.push(`${at}${s.name}${s.name === s.fn ? '' : ` [${s.fn}]`} -> ${s.placement}: ${s.reason}`);
      return;
    case 'group':
      lines.push(
        `${at}${s.name}: ${s.op === 'map' ? `map over the input array${s.concurrency ? `, ${s.concurrency} at a time` : ''}` : `${s.branches.length} branches`} -> ${s.executor}: ${s.reason}`,
      );
      if (s.spill) lines.push(`${pad(depth + 2)}spill: ${s.spill.reason}`);
      s.branches.forEach((b, i) => lane(b, depth + 2, lines, s.op === 'map' ? `[each item] lane` : `[${i}] lane`));
      return;
    case 'choice':
      lines.push(`${at}${s.name}: choice on predicate ${s.predicate}`);
      lane(s.then, depth + 2, lines, 'then: lane');
      if (s.otherwise) lane(s.otherwise, depth + 2, lines, 'else: lane');
      else lines.push(`${pad(depth + 2)}else: the input passes through`);
      return;
    case 'retry':
      lines.push(`${at}retry up to ${s.retries} time(s)`);
      lane(s.body, depth + 2, lines, 'lane');
      return;
    case 'timeout':
      lines.push(`${at}timeout after ${s.ms} ms`);
      lane(s.body, depth + 2, lines, 'lane');
      return;
    case 'catch':
      lines.push(`${at}catchError with handler ${s.handler}`);
      lane(s.body, depth + 2, lines, 'lane');
      return;
  }
}

const pad = (depth: number): string => '  '.repeat(depth);
