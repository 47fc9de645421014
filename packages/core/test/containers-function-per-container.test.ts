import { afterAll, describe, expect, it } from 'vitest';
import { ContainerClient } from '../src/containers/client.js';
import { FunctionPerContainerTier } from '../src/containers/function-per-container.js';
import { alive, FIXTURE_MODULE, fnRef, tierCall } from './fixtures/containers/calls.js';

// The baseline mode: one warm container process per function, state as JSON over keep-alive HTTP.
const tier = new FunctionPerContainerTier();

afterAll(async () => {
  await tier.close();
});

function pidsOf(name: string): number[] {
  return (tier.containers().get(`${FIXTURE_MODULE}#${name}`) ?? []).map((c) => Number(/pid (\d+)/.exec(c.label)?.[1]));
}

describe('FunctionPerContainerTier', () => {
  it('gives each function its own warm process, started once', async () => {
    await tier.preload([fnRef('Pid'), fnRef('Slow')]);
    expect(tier.capacity).toBe(2);
    const [pid, slowPid, pidAgain] = (await Promise.all([
      tier.call(tierCall('Pid', undefined)),
      tier.call(tierCall('Slow', 1)),
      tier.call(tierCall('Pid', undefined)),
    ])) as number[];
    expect(pid).not.toBe(process.pid);
    expect(slowPid).not.toBe(process.pid);
    expect(slowPid).not.toBe(pid);
    expect(pidAgain).toBe(pid);
    expect(pidsOf('Pid')).toEqual([pid]);
    expect(pidsOf('Slow')).toEqual([slowPid]);
  });

  it('starts a function container on first use, once for concurrent first calls', async () => {
    const outputs = await Promise.all([1, 2, 3].map((n) => tier.call(tierCall('Square', n))));
    expect(outputs).toEqual([1, 4, 9]);
    expect(pidsOf('Square')).toHaveLength(1);
    expect(tier.capacity).toBe(3);
  });

  it('keeps its connection to a container alive', async () => {
    for (let i = 0; i < 20; i++) await tier.call(tierCall('Square', i));
    const url = tier.containers().get(`${FIXTURE_MODULE}#Square`)![0]!.url;
    const probe = new ContainerClient(url, { encoding: 'json' });
    try {
      // One for the provider's /init, one for all the calls, one for this probe.
      expect((await probe.health()).connections).toBe(3);
    } finally {
      probe.close();
    }
  });

  it('ships state as JSON, typed arrays included', async () => {
    const out = (await tier.call(tierCall('Stats', { data: new Float64Array([0.5, 1.5]) }))) as { sum: number; doubled: Float64Array };
    expect(out.sum).toBe(2);
    expect(out.doubled).toEqual(new Float64Array([1, 3]));
    const echoed = await tier.call(tierCall('Echo', { image: new Uint8Array([1, 2, 3]), at: new Date(5), $meta: 'kept' }));
    expect(echoed).toEqual({ image: new Uint8Array([1, 2, 3]), at: new Date(5), $meta: 'kept' });
  });

  it('close() stops every function container', async () => {
    const pids = [...tier.containers().keys()].flatMap((key) => pidsOf(key.slice(key.indexOf('#') + 1)));
    expect(pids).toHaveLength(5);
    await tier.close();
    expect(pids.filter(alive)).toEqual([]);
  });

  it('settles a call at once when its signal fires while the function\'s containers are still starting', async () => {
    // A provider that never comes up: without the signal, the call would wait for it forever.
    const stuck = new FunctionPerContainerTier({ provider: () => new Promise(() => undefined) });
    try {
      const controller = new AbortController();
      const call = stuck.call(tierCall('Square', 3, controller.signal));
      setTimeout(() => controller.abort(new Error('step timed out')), 20);
      await expect(call).rejects.toThrow('step timed out');
    } finally {
      await stuck.close();
    }
  });
});
