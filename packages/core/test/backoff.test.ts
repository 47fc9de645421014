import { describe, expect, test } from 'vitest';
import { backoffDelay } from '../src/runtime/backoff.js';

describe('backoffDelay', () => {
  test('grows exponentially with jitter in [base/2, base] and is capped', () => {
    const spec = { initialMs: 100, factor: 2, maxMs: 1_000 };
    for (let i = 0; i < 50; i++) {
      const first = backoffDelay(spec, 1);
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      const third = backoffDelay(spec, 3);
      expect(third).toBeGreaterThanOrEqual(200);
      expect(third).toBeLessThanOrEqual(400);
      expect(backoffDelay(spec, 20)).toBeLessThanOrEqual(1_000);
    }
  });
});
