import { describe, expect, test } from 'vitest';
import { median, percentile } from '@faastlane/examples/bench/stats';

describe('benchmark statistics', () => {
  test('percentiles are nearest-rank: p95 of 20 runs is the 19th, not the slowest', () => {
    const runs = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted on purpose
    expect(percentile(runs, 95)).toBe(19);
    expect(percentile(runs, 50)).toBe(10);
    expect(percentile(runs, 100)).toBe(20);
    expect(percentile([7], 50)).toBe(7);
    expect(median(runs)).toBe(10.5);
  });

  test('a percentile of no samples is an error, not a figure', () => {
    expect(() => percentile([], 50)).toThrow(/no samples/);
  });
});
