/**
 * Fan-out: `width` small CPU-bound functions (`Burn`) in a `map`, then one aggregating step, in the
 * faastlane mode and in the function-per-container baseline. Each (mode, width) runs in a fresh
 * child process so that its peak memory (that process and all its descendants: workers, child
 * processes, containers) is its own.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type Mode = 'faastlane' | 'function-per-container';

export interface FanoutResult {
  readonly mode: Mode;
  readonly width: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly peakRssMb: number;
  readonly runs: number;
  /** Containers (baseline) or worker threads (faastlane) that served it. */
  readonly where: string;
}

/** Iterations of `Burn`: about a millisecond of integer work on this machine kind. */
export const BURN_ITERATIONS = 400_000;

export function runFanout(mode: Mode, width: number, runs: number): Promise<FanoutResult> {
  const child = fileURLToPath(new URL('./fanout-child.js', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [child, mode, String(width), String(runs)], { maxBuffer: 1 << 20, timeout: 600_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`fan-out ${mode} x${width} failed: ${error.message}\n${stderr}`));
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as FanoutResult);
      } catch {
        reject(new Error(`fan-out ${mode} x${width} printed no result:\n${stdout}\n${stderr}`));
      }
    });
  });
}
