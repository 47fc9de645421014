/**
 * `pnpm bench` (add `--quick` for a short run). Every comparison is against a baseline measured in
 * this same run, so that a busy machine slows both sides alike. Results are printed as tables and
 * written as JSON to bench/results/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { benchHops, label, type HopResult } from './hops.js';
import { apps } from '../apps/index.js';
import { runApp, type AppResult } from './apps.js';
import { runFanout, type FanoutResult } from './fanout.js';
import { benchChart } from './report-chart.js';
import { benchOverhead } from './overhead.js';
import { Progress } from './progress.js';

const quick = process.argv.includes('--quick');
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const widths = [5, 100, 200];
const bar = new Progress(1 + 3 * 5 + widths.length * 2 + apps.length * 2);
const progress = (what: string): void => bar.step(what);

const machine = `Node ${process.version}, ${availableParallelism()} vCPU(s), ${cpus()[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30)} GiB`;
console.log(`Faastlane benchmark${quick ? ' (quick)' : ''}: ${machine}`);
console.log();

// 1. Runtime overhead against direct calls.
progress('runtime overhead');
const overhead = await benchOverhead(quick ? { rounds: 5, iterations: 2_000 } : { rounds: 15, iterations: 10_000 });
console.log('Runtime overhead: a 5-step workflow of trivial functions vs. the same 5 functions awaited directly');
console.log(`  direct calls        ${fmt(overhead.direct.invocationsPerSec).padStart(12)} invocations/s`);
console.log(`  runtime.invoke      ${fmt(overhead.runtime.invocationsPerSec).padStart(12)} invocations/s`);
console.log(`  ratio               ${fmt(overhead.ratio, 1).padStart(12)} x the direct time`);
console.log(`  overhead per step   ${fmt(overhead.overheadPerStepUs, 2).padStart(12)} us`);
console.log();

// 2. Hop latency per tier and payload.
const hops = await benchHops({ reps: quick ? 5 : 20, progress });
console.log('Function interaction latency (one-way hop, median ms): from one function returning to the next starting');
const tiers = [...new Set(hops.map((h) => h.tier))];
const sizes = [...new Set(hops.map((h) => h.bytes))];
console.log(`  ${'tier'.padEnd(24)}${sizes.map((b) => label(b).padStart(12)).join('')}`);
const hop = (tier: string, bytes: number): HopResult | undefined => hops.find((h) => h.tier === tier && h.bytes === bytes);
for (const tier of tiers) {
  console.log(`  ${tier.padEnd(24)}${sizes.map((b) => fmt(hop(tier, b)?.medianMs ?? Number.NaN, 3).padStart(12)).join('')}`);
}
const ratioLine = (tier: string): string =>
  sizes.map((b) => `${(100 * (1 - (hop(tier, b)?.medianMs ?? 0) / (hop('baseline (JSON/HTTP)', b)?.medianMs ?? 1))).toFixed(3)}%`.padStart(12)).join('');
console.log(`  ${'lower than baseline:'.padEnd(24)}`);
for (const tier of tiers.filter((t) => !t.startsWith('baseline'))) console.log(`    ${tier.padEnd(22)}${ratioLine(tier)}`);
console.log();

// 3. Fan-out, both modes, each scenario in its own process (so its memory is its own).
const fanout: FanoutResult[] = [];
for (const width of widths) {
  for (const mode of ['faastlane', 'function-per-container'] as const) {
    progress(`fan-out ${mode} width ${width}`);
    fanout.push(await runFanout(mode, width, quick ? 5 : 20));
  }
}
console.log('Fan-out: map of `width` small CPU-bound functions, then one aggregating step (end-to-end ms; peak RSS of the whole process tree)');
console.log(`  ${'width'.padEnd(7)}${'faastlane p50/p95'.padStart(20)}${'baseline p50/p95'.padStart(20)}${'speed-up'.padStart(10)}${'faastlane MB'.padStart(14)}${'baseline MB'.padStart(13)}${'memory'.padStart(9)}`);
for (const width of widths) {
  const f = fanout.find((r) => r.width === width && r.mode === 'faastlane');
  const b = fanout.find((r) => r.width === width && r.mode === 'function-per-container');
  if (!f || !b) continue;
  console.log(
    `  ${String(width).padEnd(7)}${`${fmt(f.p50Ms, 1)} / ${fmt(f.p95Ms, 1)}`.padStart(20)}${`${fmt(b.p50Ms, 1)} / ${fmt(b.p95Ms, 1)}`.padStart(20)}` +
      `${`${fmt(b.p50Ms / f.p50Ms, 1)}x`.padStart(10)}${fmt(f.peakRssMb).padStart(14)}${fmt(b.peakRssMb).padStart(13)}${`1/${fmt(b.peakRssMb / f.peakRssMb)}`.padStart(9)}`,
  );
}

console.log();

// 4. The applications, both modes, each in its own process.
const appResults: AppResult[] = [];
for (const app of apps) {
  for (const mode of ['faastlane', 'function-per-container'] as const) {
    progress(`${app.name} ${mode}`);
    appResults.push(await runApp(app.name, mode, quick ? 5 : 20));
  }
}
console.log('Applications (end-to-end ms; peak RSS of the whole process tree; every result checked)');
console.log(`  ${'app'.padEnd(16)}${'calls'.padStart(6)}${'faastlane p50/p95'.padStart(20)}${'baseline p50/p95'.padStart(20)}${'speed-up'.padStart(10)}${'faastlane MB'.padStart(14)}${'baseline MB'.padStart(13)}${'memory'.padStart(9)}`);
for (const app of apps) {
  const f = appResults.find((r) => r.app === app.name && r.mode === 'faastlane');
  const b = appResults.find((r) => r.app === app.name && r.mode === 'function-per-container');
  if (!f || !b) continue;
  console.log(
    `  ${app.name.padEnd(16)}${String(f.calls).padStart(6)}${`${fmt(f.p50Ms, 1)} / ${fmt(f.p95Ms, 1)}`.padStart(20)}${`${fmt(b.p50Ms, 1)} / ${fmt(b.p95Ms, 1)}`.padStart(20)}` +
      `${`${fmt(b.p50Ms / f.p50Ms, 1)}x`.padStart(10)}${fmt(f.peakRssMb).padStart(14)}${fmt(b.peakRssMb).padStart(13)}${`1/${fmt(b.peakRssMb / f.peakRssMb, 1)}`.padStart(9)}`,
  );
}

const results = new URL('../../../../bench/results/', import.meta.url);
mkdirSync(results, { recursive: true });
writeFileSync(new URL('latest.json', results), `${JSON.stringify({ machine, quick, at: new Date().toISOString(), overhead, hops, fanout, apps: appResults }, null, 2)}\n`);
const svg = benchChart({ machine, hops, fanout, apps: appResults });
writeFileSync(new URL('chart.svg', results), svg);
console.log();
console.log('Results: bench/results/latest.json, chart: bench/results/chart.svg');
