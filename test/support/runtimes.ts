import { afterAll } from 'vitest';
import { Runtime } from '@faastlane/core';

/**
 * `Runtime.create` for a test file that makes several runtimes: every one it creates is closed after
 * the file's tests (their workers, processes and containers with it).
 */
export function closingRuntimes(): (...args: Parameters<typeof Runtime.create>) => Promise<Runtime> {
  const runtimes: Runtime[] = [];
  afterAll(() => Promise.all(runtimes.map((rt) => rt.close())));
  return async (...args) => {
    const rt = await Runtime.create(...args);
    runtimes.push(rt);
    return rt;
  };
}
