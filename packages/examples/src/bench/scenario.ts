import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs one benchmark scenario in a fresh Node process (`node <script> ...args`) and returns the JSON
 * of its last output line. A process of its own per scenario keeps each one's peak memory its own.
 */
export function runScenario<T>(script: string, args: readonly string[], label: string, timeoutMs: number): Promise<T> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file, ...args], { maxBuffer: 1 << 20, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${label} failed: ${error.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T);
      } catch {
        reject(new Error(`${label} printed no result:\n${stdout}\n${stderr}`));
      }
    });
  });
}
