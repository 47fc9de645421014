import type { BackoffSpec } from '../graph/ir.js';

/** The default backoff between retries: 100 ms, doubling, at most 5 s. */
export const DEFAULT_BACKOFF: BackoffSpec = { initialMs: 100, factor: 2, maxMs: 5_000 };

/**
 * Delay before the attempt after `failedAttempt` (counted from 1): exponential, capped, with "equal
 * jitter" (half fixed, half random) so that many runs failing together do not retry in lockstep.
 */
export function backoffDelay(spec: BackoffSpec, failedAttempt: number): number {
  const base = Math.min(spec.maxMs, spec.initialMs * spec.factor ** (failedAttempt - 1));
  return Math.round(base / 2 + (Math.random() * base) / 2);
}
