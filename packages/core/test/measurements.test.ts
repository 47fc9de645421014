import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Measurements } from '../src/planner/measurements.js';

describe('Measurements', () => {
  test('the typical time is the median of the last seven calls, the first (warm-up) call dropped', () => {
    const m = new Measurements();
    m.recordCall('f', 100, 100);
    expect(m.fn('f')?.typicalMs).toBe(100);
    m.recordCall('f', 4, 4); // replaces the warm-up call
    m.recordCall('f', 2, 2);
    m.recordCall('f', 3, 3);
    expect(m.fn('f')?.typicalMs).toBe(3);
    m.recordCall('f', 1, 1);
    expect(m.fn('f')?.typicalMs).toBe(2.5); // an even count: the mean of the middle two
    for (const ms of [9, 8, 7, 6]) m.recordCall('f', ms, ms);
    // Seven kept: 3 1 9 8 7 6 and the 2 before them, oldest replaced first (the 4 went).
    expect(m.fn('f')?.typicalMs).toBe(6);
    expect(m.fn('f')?.calls).toBe(9);
  });

  test('the CPU share is a median too; one call that waited does not make a function I/O-bound', () => {
    const m = new Measurements();
    for (let i = 0; i < 5; i++) m.recordCall('g', 2, 2);
    m.recordCall('g', 2, 0.1);
    expect(m.fn('g')?.cpuShare).toBe(1);
  });

  test('the version moves when a function changes class, within eight calls', () => {
    const m = new Measurements();
    for (let i = 0; i < 9; i++) m.recordCall('h', 0.01, 0.01);
    const v = m.version;
    for (let i = 0; i < 3; i++) m.recordCall('h', 30, 30);
    expect(m.fn('h')?.typicalMs).toBe(0.01); // three of seven: the median has not moved
    for (let i = 0; i < 5; i++) m.recordCall('h', 30, 30);
    expect(m.fn('h')?.typicalMs).toBe(30);
    expect(m.version).not.toBe(v);
    // A new function counts at once.
    const w = m.version;
    m.recordCall('k', 1, 1);
    expect(m.version).not.toBe(w);
  });

  test('a measurements file round-trips, written whole; what a file holds that is not ours is passed over', () => {
    const dir = mkdtempSync(join(tmpdir(), 'measurements-'));
    const file = join(dir, 'm.json');
    try {
      const m = new Measurements(file);
      for (const ms of [50, 2, 3, 4]) m.recordCall('f', ms, ms);
      m.recordHop('worker-thread', 0.05);
      m.save();
      expect(readdirSync(dir)).toEqual(['m.json']);
      const again = new Measurements(file);
      expect(again.fn('f')).toMatchObject({ typicalMs: 3, cpuShare: 1 });
      expect(again.hop('worker-thread')).toMatchObject({ typicalMs: 0.05 });
      const bad = [
        'null',
        '[1, 2]',
        '{"version": 2, "functions": null, "hops": 7}',
        '{"version": 2, "functions": {"x": null, "y": 3, "f": {"recentMs": [1, "a", 2, 3]}}, "hops": {"t": null}}',
        '{"version": 2, "functions": {"f": {"recentMs": "soon", "calls": {}}}}',
      ];
      for (const text of bad) {
        writeFileSync(file, text);
        expect(() => new Measurements(file), text).not.toThrow();
      }
      // The last good entry above is kept, its bad samples dropped.
      writeFileSync(file, bad[3] as string);
      expect(new Measurements(file).fn('f')).toMatchObject({ typicalMs: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
