import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// test/pku-guest.mjs holds every test that needs real protection keys. It imports the built package
// (dist/), because it also runs inside the QEMU guest where there is no vitest.
const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(pkgDir, 'test', 'pku-guest.mjs');
const hasPku = (() => {
  try {
    return /^flags\s*:.*\bpku\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
})();

function runGuestScript() {
  expect(existsSync(join(pkgDir, 'dist', 'index.js')), 'build the loader first: npx tsc -b packages/native-mpk').toBe(true);
  return spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 120_000 });
}

describe('test/pku-guest.mjs', () => {
  it.skipIf(!hasPku)('runs the real-PKU suite natively on this CPU', () => {
    const res = runGuestScript();
    expect(res.stdout, res.stdout + res.stderr).toContain('PKU-GUEST-RESULT: PASS');
    expect(res.status).toBe(0);
  }, 120_000);

  it.skipIf(hasPku)(
    'SKIP real-PKU suite: /proc/cpuinfo lacks "pku" (run it under QEMU: bash scripts/qemu-pku/run.sh); checks the skip path instead',
    () => {
      const res = runGuestScript();
      expect(res.status, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toContain('# SKIP: this CPU has no PKU');
      expect(res.stdout).toContain('PKU-GUEST-RESULT: SKIP');
      expect(res.stdout).not.toMatch(/^not ok/m);
    },
  );
});
