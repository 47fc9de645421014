/**
 * One fan-out scenario in one mode, in its own process: `node fanout-child.js <mode> <width>`. It warms
 * up, answers `{ ready }`, then takes commands on stdin (see `ChildSession`): `time <n>` measures
 * the fan-out n times in a turn (`TurnTaker`: settled first, its memory sampled); `end` answers the
 * `FanoutResult` and exits. Every run's output is checked against the first one's.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Runtime } from '@faastlane/core';
import { map, task, workflow } from '@faastlane/dsl';
import { Aggregate, Burn } from '../tiers/functions.js';
import { BURN_ITERATIONS, type FanoutResult, type Mode } from './fanout.js';
import { answer } from './child-session.js';
import { percentile } from './stats.js';
import { TurnTaker } from './turns.js';

const [mode, widthArg] = process.argv.slice(2) as [Mode, string];
const width = Number(widthArg);

const fanout = workflow(`fanout-${width}`).pipe(map(task(Burn)), task(Aggregate));
const items = Array.from({ length: width }, (_, i) => ({ seed: i + 1, iterations: BURN_ITERATIONS }));

// The baseline scales Burn out to one warm container per concurrent call, as FaaS platforms do for
// concurrent invocations (one call per container at a time); Aggregate needs one.
const rt = await Runtime.create(
  mode === 'faastlane' ? {} : { mode, baseline: { containersPerFunction: (fn) => (fn === 'Burn' ? width : 1) } },
);
try {
  // Warm: pools and containers up, modules loaded, durations measured (and the plan redone with them).
  const expected = await rt.invoke(fanout, items);
  await rt.invoke(fanout, items);
  answer({ ready: true });

  const turns = new TurnTaker();
  const times: number[] = [];
  const one = async (): Promise<number> => {
    const t0 = performance.now();
    const out = await rt.invoke(fanout, items);
    const ms = performance.now() - t0;
    if (out !== expected) throw new Error(`a run gave ${out}, expected ${expected}`);
    return ms;
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, count] = line.split(' ');
    if (command === 'time') {
      await turns.turn(Number(count ?? 1), one, (ms) => times.push(ms));
    } else if (command === 'end') {
      const group = rt.plan(fanout).root.steps[0];
      const result: FanoutResult = {
        mode,
        width,
        p50Ms: percentile(times, 50),
        p95Ms: percentile(times, 95),
        peakRssMb: await turns.peakRssMb(),
        runs: times.length,
        where: group?.kind === 'group' ? group.executor : 'unknown',
      };
      answer(result);
      break;
    } else {
      throw new Error(`unknown command ${JSON.stringify(line)}`);
    }
  }
} finally {
  await rt.close();
}
