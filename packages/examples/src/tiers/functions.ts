/**
 * Small functions used by the tier tests and the benchmarks. They live in a compiled package so that
 * worker threads, child processes and containers can import them.
 */
import 'reflect-metadata';
import { Fn, type FnContext } from '@faastlane/dsl';

/** Wall-clock time in ms that is comparable across the threads and processes of one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

/** A payload with its send time, for measuring hops. */
export interface Stamped {
  readonly bytes: Uint8Array;
  readonly sentAt: number;
}

/** Builds a payload of `size` bytes and stamps it as it leaves. */
@Fn({ cpu: 'bound' })
export class Produce {
  run(size: number): Stamped {
    const bytes = new Uint8Array(size);
    bytes[0] = 1;
    return { bytes, sentAt: now() };
  }
}

/** The same payload as a one-item array, for a `map` (which places a CPU-bound step on a worker thread). */
@Fn({ cpu: 'bound' })
export class ProduceOne {
  run(size: number): Stamped[] {
    const bytes = new Uint8Array(size);
    bytes[0] = 1;
    return [{ bytes, sentAt: now() }];
  }
}

/** Measures how long the payload took to arrive (ms): the receiving end of the same-thread and container hops. */
@Fn({ cpu: 'bound' })
export class ReceiveOnThread {
  run(input: Stamped): number {
    return now() - input.sentAt;
  }
}

/**
 * `ReceiveOnThread` that then computes for half a millisecond: measured long enough for a worker
 * thread, so that the planner keeps it there (the hop is read before the computing starts).
 */
@Fn({ cpu: 'bound' })
export class ReceiveOnWorker {
  run(input: Stamped): number {
    const hop = now() - input.sentAt;
    const until = performance.now() + 0.5;
    while (performance.now() < until);
    return hop;
  }
}

/** The same, in its own child process. */
@Fn({ isolation: 'process' })
export class ReceiveInProcess {
  run(input: Stamped): number {
    return now() - input.sentAt;
  }
}

/** Writes a marker into a buffer and hands it back: the zero-copy round trip test. */
@Fn({ cpu: 'bound' })
export class MarkBuffer {
  run(input: Uint8Array): Uint8Array {
    input[input.length - 1] = 42;
    return input;
  }
}

/** Burns about `iterations` of integer work: a small CPU-bound function. */
@Fn({ cpu: 'bound' })
export class Burn {
  run(input: { readonly seed: number; readonly iterations: number }): number {
    let x = input.seed | 0;
    for (let i = 0; i < input.iterations; i++) x = (Math.imul(x, 1664525) + 1013904223) | 0;
    return x >>> 0;
  }
}

/** Doubles a number; refuses negative ones. */
@Fn({ cpu: 'bound' })
export class DoubleNonNegative {
  run(n: number): number {
    if (n < 0) throw new RangeError(`negative input: ${n}`);
    return n * 2;
  }
}

/** The length of a buffer, read on a worker thread. */
@Fn({ cpu: 'bound' })
export class ByteLength {
  run(input: Uint8Array): number {
    return input.byteLength;
  }
}

/** Always fails, on a worker thread: for the tests of what a failed step leaves to its handler. */
@Fn({ cpu: 'bound' })
export class RejectBuffer {
  run(input: Uint8Array): number {
    throw new Error(`refused ${input.byteLength} bytes`);
  }
}

/** A trivial function in a protection domain (or, without MPK, its own child process). */
@Fn({ isolation: 'domain' })
export class DomainIncrement {
  run(n: number): number {
    return n + 1;
  }
}

/** The same function, not isolated: the baseline of the isolation cost. */
@Fn()
export class PlainIncrement {
  run(n: number): number {
    return n + 1;
  }
}

/** Sums what the branches returned. */
@Fn()
export class Aggregate {
  run(values: readonly number[]): number {
    let sum = 0;
    for (const v of values) sum = (sum + v) % 4_294_967_296;
    return sum;
  }
}

/** Reports where it ran: the process id and whether it ran on the main thread. */
@Fn({ cpu: 'bound' })
export class WhereAmI {
  async run(_input: unknown): Promise<{ pid: number; mainThread: boolean }> {
    const { isMainThread } = await import('node:worker_threads');
    return { pid: process.pid, mainThread: isMainThread };
  }
}

/** The same, isolated in a process. */
@Fn({ isolation: 'process' })
export class WhereAmIIsolated {
  run(_input: unknown): { pid: number } {
    return { pid: process.pid };
  }
}

/** Spins until its signal fires or `ms` passes, without yielding: a runaway CPU-bound function. */
@Fn({ cpu: 'bound', timeoutMs: 200 })
export class Runaway {
  run(ms: number): number {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      /* spin */
    }
    return ms;
  }
}

/** Kills whatever runs it: `process.exit` in a worker ends the worker, in a child process the process. */
@Fn({ cpu: 'bound' })
export class Crash {
  run(code: number): number {
    process.exit(code);
  }
}

/** The same in a child process. */
@Fn({ isolation: 'process' })
export class CrashIsolated {
  run(code: number): number {
    process.exit(code);
  }
}

/** Allocates until the worker runs out of memory. */
@Fn({ cpu: 'bound' })
export class Hog {
  run(_n: number): number {
    const keep: number[][] = [];
    for (;;) keep.push(new Array<number>(1_000_000).fill(1));
  }
}

/** Reads a secret kept in module state of the process it runs in: isolated functions must not see each other's. */
@Fn({ isolation: 'domain' })
export class KeepSecret {
  run(secret: string): string {
    (globalThis as { __secret?: string }).__secret = secret;
    return 'kept';
  }
}

/** Tries to read the secret another function kept. */
@Fn({ isolation: 'domain' })
export class StealSecret {
  run(_input: unknown, ctx: FnContext): string {
    void ctx;
    return (globalThis as { __secret?: string }).__secret ?? 'nothing';
  }
}
