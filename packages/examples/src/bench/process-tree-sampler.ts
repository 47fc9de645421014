/**
 * `node process-tree-sampler.js <root pid> <every ms>`: samples the resident memory of the process
 * tree under `root` (leaving itself out) until its stdin closes, then prints the peak in bytes. A
 * line `pause` on stdin stops the sampling until a line `resume`. The interval stretches so that
 * sampling takes at most a tenth of the time. See `samplePeakRss`.
 */
import { createInterface } from 'node:readline';
import { treeRss } from './process-tree.js';

const [rootArg, everyArg] = process.argv.slice(2);
const root = Number(rootArg);
const everyMs = Number(everyArg ?? 10);
let peak = 0;
let timer: NodeJS.Timeout | undefined;
let paused = false;

const sample = (): void => {
  const t0 = performance.now();
  peak = Math.max(peak, treeRss(root, process.pid));
  const took = performance.now() - t0;
  timer = setTimeout(sample, Math.max(everyMs, 9 * took));
};
sample();

// Its parent gone (a benchmark that failed before `stop()`): nobody reads the answer.
process.stdout.on('error', () => process.exit(0));
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line === 'pause' && !paused) {
      paused = true;
      clearTimeout(timer);
    } else if (line === 'resume' && paused) {
      paused = false;
      sample();
    }
  })
  .on('close', () => {
    clearTimeout(timer);
    peak = Math.max(peak, treeRss(root, process.pid));
    process.stdout.write(`${peak}\n`);
  });
