/**
 * Every application in both modes. Each (app, mode) runs in a fresh child process so that its peak
 * memory (the process and all its threads, child processes and containers) is its own.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Mode } from './fanout.js';

export interface AppResult {
  readonly app: string;
  readonly mode: Mode;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly peakRssMb: number;
  readonly runs: number;
  /** Function calls in one run. */
  readonly calls: number;
  /** Function interaction latency (one function's end to the next one's start), over all calls of all runs, ms. */
  readonly interactionP50Ms: number;
  readonly interactionP95Ms: number;
}

/** At most this many warm containers per function in the baseline (one call each at a time). */
export const BASELINE_MAX_CONTAINERS_PER_FUNCTION = 100;

export function runApp(app: string, mode: Mode, runs: number): Promise<AppResult> {
  const child = fileURLToPath(new URL('./apps-child.js', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [child, app, mode, String(runs)], { maxBuffer: 1 << 20, timeout: 900_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${app} in ${mode} mode failed: ${error.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as AppResult);
      } catch {
        reject(new Error(`${app} in ${mode} mode printed no result:\n${stdout}\n${stderr}`));
      }
    });
  });
}
