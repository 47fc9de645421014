/**
 * `pnpm demo`: runs every application once with the embedded default runtime and prints, for each,
 * where every function runs (the plan), a summary of the result, and per-step timings.
 */
import 'reflect-metadata';
import { Runtime, type WorkflowEvent } from '@faastlane/core';
import { apps } from './apps/index.js';
import { ordersReport, sampleOrders } from './orders/workflow.js';

const rt = await Runtime.create();
try {
  const runs = [
    { name: 'orders (intro)', description: 'a sequence, a map and a parallel group', workflow: ordersReport, input: () => sampleOrders(24), summarize: summarizeOrders, setup: undefined },
    ...apps,
  ];
  for (const app of runs) {
    console.log(`\n=== ${app.name}: ${app.description}`);
    await app.setup?.();
    console.log(rt.plan(app.workflow).explain());
    const run = rt.start(app.workflow, await app.input());
    const events: WorkflowEvent[] = [];
    run.events$.subscribe((e) => events.push(e));
    const out = await run.result;
    console.log(`Result: ${app.summarize(out as never)}`);
    printTimings(events);
  }
} finally {
  await rt.close();
}

/** Per step (items of a map folded together): runs, mean and max ms; then the whole workflow. */
function printTimings(events: readonly WorkflowEvent[]): void {
  console.log('Step timings (ms):');
  const byStep = new Map<string, number[]>();
  for (const e of events) {
    if (e.type !== 'step.completed') continue;
    const key = e.path.replace(/\[\d+\]/g, '[*]');
    byStep.set(key, [...(byStep.get(key) ?? []), e.durationMs]);
  }
  for (const [path, ds] of byStep) {
    const total = ds.reduce((a, b) => a + b, 0);
    console.log(`  ${path.padEnd(48)} ${ds.length > 1 ? `${ds.length} runs, mean ${(total / ds.length).toFixed(3)}, max ${Math.max(...ds).toFixed(3)}` : total.toFixed(3)}`);
  }
  const done = events.find((e) => e.type === 'workflow.completed');
  if (done?.type === 'workflow.completed') console.log(`  ${'whole workflow (first run: includes warming up)'.padEnd(48)} ${done.durationMs.toFixed(3)}`);
}

function summarizeOrders(report: Awaited<ReturnType<typeof ordersSummaryType>>): string {
  return `${report.totals.orders} orders, gross ${report.totals.gross}; top customer ${report.topCustomers[0]?.customer ?? '-'}; ${report.flags.length} flagged`;
}
// Only for the type of the orders report.
declare function ordersSummaryType(): Promise<import('./orders/functions.js').Report>;
