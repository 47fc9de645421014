import { describe, expect, test } from 'vitest';
import { benchHandoff, HANDOFF_AFTER_MS } from '@faastlane/examples/bench/handoff';

describe('bench: hand-off after a long function', () => {
  test('measures the gap and the plain-code probe after each computing time, with and without garbage, in order', async () => {
    const rows = await benchHandoff({ rounds: 2 });
    expect(rows.map((r) => r.afterMs)).toEqual([...HANDOFF_AFTER_MS]);
    for (const r of rows) {
      // A gap read from the run's events: far below the function before it.
      for (const gap of [r.handoffUs, r.handoffAfterGarbageUs]) {
        expect(gap).toBeGreaterThanOrEqual(0);
        expect(gap).toBeLessThan(Math.max(1, r.afterMs) * 1_000);
      }
      expect(r.probeUs).toBeGreaterThan(0);
      expect(r.probeAfterGarbageUs).toBeGreaterThan(0);
    }
  }, 30_000);
});
