import type { LanePlan, Plan, StepPlan } from './plan.js';

/**
 * Draws a plan as a Mermaid flowchart: each lane is a chain of nodes, each group a subgraph whose
 * branches fork from one point and join at another.
 */
export function planToMermaid(plan: Plan): string {
  const lines = ['flowchart TD'];
  let counter = 0;
  const id = (): string => `n${counter++}`;
  const label = (text: string): string => `"${text.replace(/"/g, "'").replace(/\n/g, '<br/>')}"`;

  // Draws a lane between `from` and a new end node; returns the last node id of the lane.
  const drawLane = (l: LanePlan, from: string, indent: string): string => {
    let prev = from;
    for (const s of l.steps) prev = drawStep(s, prev, indent);
    return prev;
  };

  const drawStep = (s: StepPlan, from: string, indent: string): string => {
    switch (s.kind) {
      case 'task': {
        const n = id();
        lines.push(`${indent}${n}[${label(`${s.name}\n${s.placement}`)}]`, `${indent}${from} --> ${n}`);
        return n;
      }
      case 'group': {
        const fork = id();
        const join = id();
        lines.push(`${indent}subgraph ${id()}[${label(`${s.name}: ${s.op} on ${s.executor}`)}]`);
        lines.push(`${indent}  ${fork}{{${label(s.op === 'map' ? 'for each item' : 'fork')}}}`);
        lines.push(`${indent}  ${join}{{join}}`);
        for (const b of s.branches) lines.push(`${indent}  ${drawLane(b, fork, `${indent}  `)} --> ${join}`);
        lines.push(`${indent}end`, `${indent}${from} --> ${fork}`);
        return join;
      }
      case 'choice': {
        const decision = id();
        const join = id();
        lines.push(`${indent}${decision}{${label(s.name)}}`, `${indent}${from} --> ${decision}`, `${indent}${join}(( ))`);
        const thenStart = id();
        lines.push(`${indent}${thenStart}([then])`, `${indent}${decision} --> ${thenStart}`);
        lines.push(`${indent}${drawLane(s.then, thenStart, indent)} --> ${join}`);
        if (s.otherwise) {
          const elseStart = id();
          lines.push(`${indent}${elseStart}([else])`, `${indent}${decision} --> ${elseStart}`);
          lines.push(`${indent}${drawLane(s.otherwise, elseStart, indent)} --> ${join}`);
        } else {
          lines.push(`${indent}${decision} -->|else| ${join}`);
        }
        return join;
      }
      default: {
        const title = s.kind === 'retry' ? `retry x${s.retries}` : s.kind === 'timeout' ? `timeout ${s.ms} ms` : 'catchError';
        lines.push(`${indent}subgraph ${id()}[${label(title)}]`);
        const end = drawLane(s.body, from, `${indent}  `);
        lines.push(`${indent}end`);
        return end;
      }
    }
  };

  const start = id();
  lines.push(`  ${start}([${label(plan.workflow)}])`);
  const end = drawLane(plan.root, start, '  ');
  const done = id();
  lines.push(`  ${done}([result])`, `  ${end} --> ${done}`);
  return lines.join('\n');
}
