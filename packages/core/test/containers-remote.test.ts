import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerTier } from '../src/containers/container-tier.js';
import { RemoteContainerProvider } from '../src/containers/remote-provider.js';
import { ContainerServer } from '../src/containers/server.js';
import { ContainerUnavailableError } from '../src/errors.js';
import { tierCall } from './fixtures/containers/calls.js';

// "Deployed" containers: servers in this process, reached by URL only, as a remote provider would.
let servers: ContainerServer[];
let tier: ContainerTier;

beforeAll(async () => {
  servers = await Promise.all([ContainerServer.start({ concurrency: 2 }), ContainerServer.start({ concurrency: 1 })]);
  tier = await ContainerTier.remote({
    // The third URL answers nothing: it is left out, and checked again later.
    urls: [...servers.map((s) => s.url), 'http://127.0.0.1:9/'],
    init: { functions: [{ module: new URL('./fixtures/containers/functions.mjs', import.meta.url).href, name: 'Square' }] },
    healthTimeoutMs: 500,
    recheckMs: 100,
  });
});

afterAll(async () => {
  await tier.close();
  await Promise.all(servers.map((s) => s.close()));
});

describe('RemoteContainerProvider', () => {
  it('uses the healthy containers, with the concurrency each reports', () => {
    expect(tier.containers().map((c) => c.url).sort()).toEqual(servers.map((s) => s.url).sort());
    expect(tier.capacity).toBe(3);
  });

  it('runs calls over them', async () => {
    expect(await Promise.all([1, 2, 3, 4].map((n) => tier.call(tierCall('Square', n))))).toEqual([1, 4, 9, 16]);
  });

  it('retries on the other container when one goes away mid-call, then drops it', async () => {
    const [first, second] = servers as [ContainerServer, ContainerServer];
    const slow = tier.call(tierCall('Slow', 600));
    await new Promise((r) => setTimeout(r, 50));
    const busy = tier.containers().find((c) => c.inFlight > 0)!.url;
    const victim = busy === first.url ? first : second;
    const survivor = victim === first ? second : first;
    await victim.close();
    expect(await slow).toBe(process.pid);
    await new Promise((r) => setTimeout(r, 100));
    expect(tier.containers().map((c) => c.url)).toEqual([survivor.url]);
    expect(tier.capacity).toBe(survivor === first ? 2 : 1);
    await survivor.close();
    const error = await tier.call(tierCall('Square', 2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerUnavailableError);
    expect(error).toMatchObject({ stepPath: 'containers/Square', container: survivor.url });
  });

  it('takes a container back when it answers again', async () => {
    const provider = await RemoteContainerProvider.create({ urls: ['http://127.0.0.1:9'], healthTimeoutMs: 200, recheckMs: 50 });
    try {
      expect(provider.endpoints()).toEqual([]);
      const server = await ContainerServer.start();
      servers.push(server);
      const late = await RemoteContainerProvider.create({ urls: [server.url], recheckMs: 50 });
      expect(late.endpoints()).toEqual([{ url: server.url, concurrency: 1, label: server.url }]);
      await late.close();
    } finally {
      await provider.close();
    }
  });
});
