/**
 * `pnpm demo`: runs the orders workflow once and prints its plan, its result and per-step timings.
 */
import 'reflect-metadata';
import { Runtime, type WorkflowEvent } from '@faastlane/core';
import { ordersReport, sampleOrders } from './orders/workflow.js';

const rt = await Runtime.create();
try {
  console.log(rt.plan(ordersReport).explain());
  console.log();

  const run = rt.start(ordersReport, sampleOrders(24));
  const events: WorkflowEvent[] = [];
  run.events$.subscribe((e) => events.push(e));
  const report = await run.result;

  console.log('Result:');
  console.log(`  ${report.totals.orders} orders, net ${report.totals.net}, tax ${report.totals.tax}, gross ${report.totals.gross}`);
  console.log(`  top customers: ${report.topCustomers.map((c) => `${c.customer} (${c.gross})`).join(', ')}`);
  console.log(`  flagged: ${report.flags.length ? report.flags.map((f) => `${f.customer}/${f.sku}`).join(', ') : 'none'}`);
  console.log();

  console.log('Step timings (ms):');
  const steps = events.filter((e): e is Extract<WorkflowEvent, { type: 'step.completed' }> => e.type === 'step.completed');
  const byStep = new Map<string, number[]>();
  for (const e of steps) {
    const key = e.path.replace(/\[\d+\]/g, '[*]');
    byStep.set(key, [...(byStep.get(key) ?? []), e.durationMs]);
  }
  for (const [path, ds] of byStep) {
    const total = ds.reduce((a, b) => a + b, 0);
    console.log(`  ${path.padEnd(42)} ${ds.length > 1 ? `${ds.length} runs, mean ${(total / ds.length).toFixed(3)}, max ${Math.max(...ds).toFixed(3)}` : total.toFixed(3)}`);
  }
  const done = events.find((e) => e.type === 'workflow.completed');
  if (done?.type === 'workflow.completed') console.log(`  ${'whole workflow'.padEnd(42)} ${done.durationMs.toFixed(3)}`);
} finally {
  await rt.close();
}
