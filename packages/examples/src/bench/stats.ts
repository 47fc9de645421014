/** Small statistics helpers for the benchmarks. */

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * The nearest-rank percentile: the smallest sample that at least `p`% of the samples are at or
 * below (p95 of 20 samples is the 19th, not the slowest). Throws on no samples: a figure printed
 * from none would be a lie (0 ms, "100% lower").
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error(`no samples to take a p${p} of`);
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] as number;
}
