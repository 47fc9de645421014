import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('a worker thread terminated in the middle of a native call', () => {
  // The runtime terminates workers (a step's timeout, close). node-addon-api, asked to throw into a
  // JS that can no longer run, threw a C++ exception out of the call instead, and the whole process
  // aborted ("terminate called after throwing an instance of 'Napi::Error'") within 60 rounds, every
  // time. Built with NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS, the error goes with the worker.
  it('does not take the process with it', () => {
    expect(existsSync(join(pkgDir, 'dist', 'index.js')), 'build the loader first: npx tsc -b packages/native-mpk').toBe(true);
    const res = spawnSync(process.execPath, [join(pkgDir, 'test', 'worker-terminate-child.mjs'), '60'], { encoding: 'utf8', timeout: 60_000 });
    expect(res.stderr).not.toContain('terminate called');
    expect(res.stdout.trim(), res.stderr).toBe('survived 60');
    expect(res.status).toBe(0);
  }, 60_000);
});
