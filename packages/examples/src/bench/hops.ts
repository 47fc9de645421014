/**
 * Function interaction latency: the time from one function returning a payload to the next function
 * starting with it, for 1 KB, 1 MB and 64 MB payloads, on each tier and in the baseline mode.
 *
 * The producer stamps the payload as it returns it; the consumer reads the clock as it starts
 * (`performance.timeOrigin + performance.now()`, comparable across the threads and processes of one
 * machine). Every tier runs the same two functions.
 */
import 'reflect-metadata';
import { ContainerTier, Runtime, type Workflow } from '@faastlane/core';
import { map, task, workflow } from '@faastlane/dsl';
import { now, Produce, ProduceOne, ReceiveInProcess, ReceiveOnThread, ReceiveOnWorker, type Stamped } from '../tiers/functions.js';
import { median } from './stats.js';

export const HOP_PAYLOADS = [1024, 1024 * 1024, 64 * 1024 * 1024] as const;
export type HopTier = 'same thread' | 'worker thread' | 'child process' | 'container (v8/HTTP)' | 'baseline (JSON/HTTP)';

export interface HopResult {
  readonly tier: HopTier;
  readonly bytes: number;
  /** Median one-way hop, ms. */
  readonly medianMs: number;
  readonly samples: number;
}

const sameThread = workflow('hop-same-thread').pipe(task(Produce), task(ReceiveOnThread));
// The receiver computes for a while after it read the clock (its own time is not part of the hop), so
// that the planner, which moves a branch measured shorter than a thread hop back to the event loop,
// keeps this one on a worker thread. The plan is checked at every run: a hop measured elsewhere would
// be reported as a worker's.
const toWorker = workflow('hop-worker').pipe(task(ProduceOne), map(task(ReceiveOnWorker)));
const toProcess = workflow('hop-process').pipe(task(Produce), task(ReceiveInProcess));

export async function benchHops(options: { reps: number; payloads?: readonly number[]; progress?: (label: string) => void }): Promise<HopResult[]> {
  const payloads = options.payloads ?? HOP_PAYLOADS;
  const results: HopResult[] = [];
  const measure = async (tier: HopTier, bytes: number, once: () => Promise<number>): Promise<void> => {
    options.progress?.(`hop ${tier} ${label(bytes)}`);
    await once(); // warm: modules loaded, pools and connections up
    const samples: number[] = [];
    for (let i = 0; i < options.reps; i++) samples.push(await once());
    results.push({ tier, bytes, medianMs: median(samples), samples: samples.length });
  };

  const rt = await Runtime.create();
  const baseline = await Runtime.create({ mode: 'function-per-container' });
  const container = await ContainerTier.embedded({ count: 1 });
  const receiver = { module: new URL('../tiers/functions.js', import.meta.url).href, name: 'ReceiveOnThread' };
  try {
    for (const bytes of payloads) {
      await measure('same thread', bytes, () => rt.invoke(sameThread, bytes));
      await measure('worker thread', bytes, async () => {
        const hop = (await rt.invoke(toWorker, bytes))[0] ?? Number.NaN;
        const group = rt.plan(toWorker).root.steps[1];
        if (group?.kind !== 'group' || group.executor !== 'worker-threads') {
          throw new Error(`the worker hop ran ${group?.kind === 'group' ? `on ${group.executor}` : 'elsewhere'}, not on a worker thread`);
        }
        return hop;
      });
      await measure('child process', bytes, () => rt.invoke(toProcess, bytes));
      await measure('container (v8/HTTP)', bytes, async () => {
        const payload: Stamped = { bytes: new Uint8Array(bytes), sentAt: now() };
        const ctx = { runId: 'bench', workflow: 'hop-container', stepPath: 'hop-container/ReceiveOnThread', attempt: 1 };
        return (await container.call({ fn: receiver, input: payload, ctx, signal: new AbortController().signal, transfer: false })) as number;
      });
      await measure('baseline (JSON/HTTP)', bytes, () => baseline.invoke(sameThread as Workflow<number, number>, bytes));
    }
  } finally {
    await Promise.all([rt.close(), baseline.close(), container.close()]);
  }
  return results;
}

export function label(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${bytes / 1024} KB`;
}
