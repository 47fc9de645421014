/** The benchmark's tables, printed from its results. */
import { WARM_STABLE, type AppResult } from './apps.js';
import type { DomainCostResult } from './domains.js';
import type { FanoutResult } from './fanout.js';
import type { HandoffRow } from './handoff.js';
import { label, type HopResult } from './hops.js';
import type { OverheadResult } from './overhead.js';

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** Milliseconds: one decimal from 10 up, else two significant digits (45.9, 4.4, 0.31, 0.0027). */
const ms = (n: number): string => (n >= 10 ? fmt(n, 1) : String(Number(n.toPrecision(2))));
const lower = (ours: number, theirs: number): string => `${(100 * (1 - ours / theirs)).toFixed(3)}%`;

export function printOverhead(o: OverheadResult): void {
  console.log('Runtime overhead: a 5-step workflow of trivial functions vs. the same 5 functions awaited directly');
  console.log(`  direct calls        ${fmt(o.direct.invocationsPerSec).padStart(12)} invocations/s`);
  console.log(`  runtime.invoke      ${fmt(o.runtime.invocationsPerSec).padStart(12)} invocations/s`);
  console.log(`  ratio               ${fmt(o.ratio, 1).padStart(12)} x the direct time`);
  console.log(`  overhead per step   ${fmt(o.overheadPerStepUs, 2).padStart(12)} us\n`);
}

export function printHandoff(rows: readonly HandoffRow[]): void {
  if (rows.length === 0) return;
  console.log('Hand-off after a long function: the gap between two functions on this thread, and a fixed piece of plain code');
  console.log('(286 map lookups), each right after the first function computed for a while, without touching memory, or');
  console.log('allocating all along (median us)');
  console.log(`  ${''.padEnd(10)}${'computing'.padStart(26)}${'computing and allocating'.padStart(30)}`);
  console.log(`  ${'after'.padEnd(10)}${'hand-off'.padStart(12)}${'plain code'.padStart(14)}${'hand-off'.padStart(16)}${'plain code'.padStart(14)}`);
  for (const r of rows) {
    console.log(
      `  ${`${r.afterMs} ms`.padEnd(10)}${fmt(r.handoffUs, 2).padStart(12)}${fmt(r.probeUs, 2).padStart(14)}` +
        `${fmt(r.handoffAfterGarbageUs, 2).padStart(16)}${fmt(r.probeAfterGarbageUs, 2).padStart(14)}`,
    );
  }
  console.log();
}

export function printHops(hops: readonly HopResult[]): void {
  if (hops.length === 0) return;
  const tiers = [...new Set(hops.map((h) => h.tier))];
  const sizes = [...new Set(hops.map((h) => h.bytes))];
  const hop = (tier: string, bytes: number): number => hops.find((h) => h.tier === tier && h.bytes === bytes)?.medianMs ?? Number.NaN;
  console.log('Function interaction latency (one-way hop, median ms): from one function returning to the next starting');
  console.log(`  ${'tier'.padEnd(24)}${sizes.map((b) => label(b).padStart(12)).join('')}`);
  for (const tier of tiers) console.log(`  ${tier.padEnd(24)}${sizes.map((b) => fmt(hop(tier, b), 3).padStart(12)).join('')}`);
  console.log('  lower than the baseline:');
  for (const tier of tiers.filter((t) => !t.startsWith('baseline'))) {
    console.log(`    ${tier.padEnd(22)}${sizes.map((b) => lower(hop(tier, b), hop('baseline (JSON/HTTP)', b)).padStart(12)).join('')}`);
  }
  console.log();
}

export function printFanout(fanout: readonly FanoutResult[]): void {
  if (fanout.length === 0) return;
  console.log('Fan-out: map of `width` small CPU-bound functions, then one aggregating step (end-to-end ms; peak RSS of the whole process tree)');
  console.log(`  ${'width'.padEnd(7)}${'faastlane p50/p95'.padStart(20)}${'baseline p50/p95'.padStart(20)}${'speed-up'.padStart(10)}${'faastlane MB'.padStart(14)}${'baseline MB'.padStart(13)}${'memory'.padStart(9)}`);
  for (const width of [...new Set(fanout.map((r) => r.width))]) {
    const f = fanout.find((r) => r.width === width && r.mode === 'faastlane');
    const b = fanout.find((r) => r.width === width && r.mode === 'function-per-container');
    if (!f || !b) continue;
    console.log(
      `  ${String(width).padEnd(7)}${`${fmt(f.p50Ms, 1)} / ${fmt(f.p95Ms, 1)}`.padStart(20)}${`${fmt(b.p50Ms, 1)} / ${fmt(b.p95Ms, 1)}`.padStart(20)}` +
        `${`${fmt(b.p50Ms / f.p50Ms, 1)}x`.padStart(10)}${fmt(f.peakRssMb).padStart(14)}${fmt(b.peakRssMb).padStart(13)}${`1/${fmt(b.peakRssMb / f.peakRssMb, 1)}`.padStart(9)}`,
    );
  }
  console.log();
}

export function printApps(results: readonly AppResult[]): void {
  if (results.length === 0) return;
  console.log('Applications: end-to-end ms, peak RSS of the whole process tree, and function interaction latency');
  console.log("(one function's end to the next one's start, read where each ran; a fan-out counts its first branch). Every result is checked.");
  const warm = Math.min(...results.map((r) => r.warmMs ?? 0));
  const unsettled = results.filter((r) => r.settled === false).map((r) => `${r.app} (${r.mode})`);
  console.log(`Measured after warm-up runs that lasted at least ${(warm / 1000).toFixed(1)} s and until the plan had not changed for ${WARM_STABLE} runs in a row (warm-ups per app, faastlane/baseline:`);
  console.log(`${[...new Set(results.map((r) => r.app))].map((a) => `${a} ${results.filter((r) => r.app === a).map((r) => r.warmups ?? '?').join('/')}`).join(', ')}).`);
  if (unsettled.length > 0) console.log(`The plan had not settled when the warm-up time ran out for: ${unsettled.join(', ')}.`);
  console.log(
    `  ${'app'.padEnd(16)}${'calls'.padStart(6)}${'faastlane p50/p95'.padStart(20)}${'baseline p50/p95'.padStart(20)}${'speed-up'.padStart(10)}` +
      `${'faastlane MB'.padStart(14)}${'baseline MB'.padStart(13)}${'memory'.padStart(9)}${'interaction p50 ms'.padStart(22)}${'lower'.padStart(10)}`,
  );
  for (const name of [...new Set(results.map((r) => r.app))]) {
    const f = results.find((r) => r.app === name && r.mode === 'faastlane');
    const b = results.find((r) => r.app === name && r.mode === 'function-per-container');
    if (!f || !b) continue;
    console.log(
      `  ${name.padEnd(16)}${String(f.calls).padStart(6)}${`${ms(f.p50Ms)} / ${ms(f.p95Ms)}`.padStart(20)}${`${ms(b.p50Ms)} / ${ms(b.p95Ms)}`.padStart(20)}` +
        `${`${fmt(b.p50Ms / f.p50Ms, 1)}x`.padStart(10)}${fmt(f.peakRssMb).padStart(14)}${fmt(b.peakRssMb).padStart(13)}${`1/${fmt(b.peakRssMb / f.peakRssMb, 1)}`.padStart(9)}` +
        `${`${ms(f.interactionP50Ms)} / ${ms(b.interactionP50Ms)}`.padStart(22)}${lower(f.interactionP50Ms, b.interactionP50Ms).padStart(10)}`,
    );
  }
  console.log();
}

export function printDomains(d: DomainCostResult): void {
  console.log("Isolation cost (isolation: 'domain')");
  if ('unavailable' in d.native) console.log(`  native PKU: not measured here (${d.native.unavailable})`);
  else console.log(`  native PKU: enter + leave a domain ${fmt(d.native.enterLeaveUs, 3)} us, protected 64-byte allocation ${fmt(d.native.alloc64Us, 3)} us`);
  const inProcess = d.inProcessUs === undefined ? '' : `; in a domain of this process (domainHosting 'in-process'): ${fmt(d.inProcessUs, 1)} us`;
  console.log(`  one-step workflow, domain function (${d.placement}): ${fmt(d.isolatedUs, 1)} us per invocation${inProcess}; not isolated: ${fmt(d.plainUs, 1)} us\n`);
}
