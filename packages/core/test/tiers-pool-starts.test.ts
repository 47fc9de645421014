// How a pool starts its members: the Node options they inherit, and how the pool recovers when they
// cannot be started, over an in-memory channel, so that a start can fail the ways real ones rarely do
// on demand (the OS refusing a thread makes `new Worker` throw).
import { describe, expect, test } from 'vitest';
import { HostPool, inheritedExecArgv, type Channel, type ChannelEvents, type ChannelOpener, type PoolOptions } from '../src/tiers/pool.js';
import type { ToHost } from '../src/tiers/protocol.js';
import type { TierCall } from '../src/tiers/tier.js';

class InMemoryPool extends HostPool {
  readonly kind = 'worker-thread' as const;

  private constructor(options: PoolOptions, open: ChannelOpener) {
    super(options, open, false);
  }

  static start(options: PoolOptions, open: ChannelOpener): Promise<InMemoryPool> {
    return new InMemoryPool(options, open).warm();
  }
}

/**
 * A member that answers `init` at once and echoes each call's input when `answer` is called for it
 * (calls to the function named `Hold` wait for that; others are answered at once).
 */
function member(events: ChannelEvents, where: string, held: Map<string, () => void>): Channel {
  let alive = true;
  return {
    where,
    post: (message: ToHost) => {
      if (message.type === 'init') queueMicrotask(() => events.message({ type: 'ready' }));
      if (message.type !== 'call') return;
      const { id, input, fn } = message.request;
      const answer = (): void => {
        if (alive) events.message({ type: 'result', response: { id, ok: true, output: input } });
      };
      if (fn.name === 'Hold') held.set(String(input), answer);
      else setTimeout(answer, 1);
    },
    kill: async () => {
      if (!alive) return;
      alive = false;
      await Promise.resolve();
      events.exit('was killed');
    },
    ref: () => undefined,
    unref: () => undefined,
  };
}

function call(name: string, input: unknown, signal = new AbortController().signal): TierCall {
  return {
    fn: { module: 'memory:', name },
    input,
    ctx: { runId: 'run-1', workflow: 'pool', stepPath: `pool/${name}`, attempt: 1 },
    signal,
    transfer: false,
  };
}

/** An opener whose `n`th open (from 1) throws when `fails(n)`, as `new Worker` does when no thread can be made. */
function opener(fails: (n: number) => boolean, held: Map<string, () => void>): { open: ChannelOpener; opens: () => number } {
  let n = 0;
  return {
    open: (events) => {
      n++;
      if (fails(n)) throw Object.assign(new Error('Worker initialization failure: EAGAIN'), { code: 'ERR_WORKER_INIT_FAILED' });
      return member(events, `member ${n}`, held);
    },
    opens: () => n,
  };
}

describe('a pool whose members cannot be created', () => {
  test('a start that throws leaves its slot dead: later calls fail with the error rather than wait forever', async () => {
    const held = new Map<string, () => void>();
    const { open } = opener((n) => n > 1, held);
    const pool = await InMemoryPool.start({ size: 1 }, open);
    try {
      await expect(pool.call(call('Echo', 1))).resolves.toBe(1);
      // Cancelling a running call kills its member; its replacement cannot be created.
      const cancel = new AbortController();
      const running = pool.call(call('Hold', 'a', cancel.signal));
      cancel.abort(new Error('cancelled'));
      await expect(running).rejects.toThrow('cancelled');
      await expect(pool.call(call('Echo', 2))).rejects.toThrow(/EAGAIN/);
    } finally {
      await pool.close();
    }
  });

  test('calls that wait while every member is busy are served once a failed start may be retried, without another call to prompt it', async () => {
    const held = new Map<string, () => void>();
    // The second member fails to be created once; the retry after the backoff (1 s) works.
    const { open, opens } = opener((n) => n === 2, held);
    const pool = await InMemoryPool.start({ size: 2, initial: 1 }, open);
    try {
      const long = pool.call(call('Hold', 'long'));
      const queued = pool.call(call('Echo', 'queued'));
      const first = await Promise.race([long.then(() => 'long'), queued.then(() => 'queued')]);
      expect(first).toBe('queued');
      expect(opens()).toBe(3);
      expect(pool.members).toEqual(['member 1', 'member 3']);
      held.get('long')?.();
      await expect(long).resolves.toBe('long');
    } finally {
      await pool.close();
    }
  });
});

describe('inheritedExecArgv', () => {
  test('keeps loaders and flags, drops the parent-only ones with their values', () => {
    const argv = ['--import', 'tsx', '-e', 'code()', '--input-type', 'module', '--inspect-port', '9230', '--inspect=9229', '--debug-port=1', '--max-old-space-size=512', '--print=1'];
    expect(inheritedExecArgv(argv)).toEqual(['--import', 'tsx', '--max-old-space-size=512']);
  });
});
