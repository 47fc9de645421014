/**
 * `pnpm bench` (add `--quick` for a short run). Every figure is a ratio against a baseline measured
 * in this same process, so that a busy machine slows both sides alike.
 */
import { availableParallelism, cpus } from 'node:os';
import { benchOverhead } from './overhead.js';

const quick = process.argv.includes('--quick');
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log(`Faastlane benchmark${quick ? ' (quick)' : ''}: Node ${process.version}, ${availableParallelism()} vCPU(s), ${cpus()[0]?.model ?? 'unknown CPU'}`);
console.log();

const overhead = await benchOverhead(quick ? { rounds: 5, iterations: 2_000 } : { rounds: 15, iterations: 10_000 });
console.log('Runtime overhead: a 5-step workflow of trivial functions vs. the same 5 functions awaited directly');
console.log(`  direct calls        ${fmt(overhead.direct.invocationsPerSec).padStart(12)} invocations/s`);
console.log(`  runtime.invoke      ${fmt(overhead.runtime.invocationsPerSec).padStart(12)} invocations/s`);
console.log(`  ratio               ${fmt(overhead.ratio, 1).padStart(12)} x the direct time`);
console.log(`  overhead per step   ${fmt(overhead.overheadPerStepUs, 2).padStart(12)} us`);
