/**
 * The benchmark's chart from its results: hop latency, fan-out latency, application latency and
 * fan-out memory, faastlane next to the baseline. `node rechart.js` redraws it from latest.json.
 */
import type { AppResult } from './apps.js';
import { chartSvg } from './chart.js';
import type { FanoutResult } from './fanout.js';
import { label, type HopResult } from './hops.js';

export interface BenchResults {
  readonly machine: string;
  readonly hops: readonly HopResult[];
  readonly fanout: readonly FanoutResult[];
  readonly apps: readonly AppResult[];
}

const FAASTLANE = 'faastlane';
const BASELINE = 'function-per-container baseline';

export function benchChart({ machine, hops, fanout, apps }: BenchResults): string {
  const sizes = [...new Set(hops.map((h) => h.bytes))];
  const widths = [...new Set(fanout.map((f) => f.width))];
  const names = [...new Set(apps.map((a) => a.app))];
  const hop = (tier: string, bytes: number): number => hops.find((h) => h.tier === tier && h.bytes === bytes)?.medianMs ?? 0;
  const fan = (width: number, mode: FanoutResult['mode']): FanoutResult | undefined => fanout.find((r) => r.width === width && r.mode === mode);
  const app = (name: string, mode: AppResult['mode']): number => apps.find((r) => r.app === name && r.mode === mode)?.p50Ms ?? 0;
  return chartSvg(`Faastlane vs function-per-container (${machine})`, [
    {
      title: 'One-way hop (faastlane: worker thread)',
      unit: 'ms',
      groups: sizes.map((b) => ({ label: label(b), values: { [FAASTLANE]: hop('worker thread', b), [BASELINE]: hop('baseline (JSON/HTTP)', b) } })),
    },
    {
      title: 'Fan-out end to end, p50',
      unit: 'ms',
      groups: widths.map((w) => ({ label: `width ${w}`, values: { [FAASTLANE]: fan(w, 'faastlane')?.p50Ms ?? 0, [BASELINE]: fan(w, 'function-per-container')?.p50Ms ?? 0 } })),
    },
    {
      title: 'Applications end to end, p50',
      unit: 'ms',
      groups: names.map((n) => ({ label: n, values: { [FAASTLANE]: app(n, 'faastlane'), [BASELINE]: app(n, 'function-per-container') } })),
    },
    {
      title: 'Fan-out peak memory',
      unit: 'MB',
      groups: widths.map((w) => ({ label: `width ${w}`, values: { [FAASTLANE]: fan(w, 'faastlane')?.peakRssMb ?? 0, [BASELINE]: fan(w, 'function-per-container')?.peakRssMb ?? 0 } })),
    },
  ]);
}
