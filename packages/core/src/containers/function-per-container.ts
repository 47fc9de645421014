import { ContainerUnavailableError } from '../errors.js';
import { fnKey, type FnRef } from '../hosting/wire.js';
import type { Tier, TierCall } from '../tiers/tier.js';
import type { BodyEncoding } from './codec.js';
import { ContainerTier, type ContainerLoad } from './container-tier.js';
import { EmbeddedContainerProvider, type EmbeddedContainerOptions } from './embedded-provider.js';
import type { ContainerProvider } from './provider.js';

/** Options of the function-per-container tier. */
export interface FunctionPerContainerOptions {
  /** Default `json`: state crosses as JSON (binary as base64), as on today's FaaS platforms. */
  readonly encoding?: BodyEncoding;
  /** Containers per function (default 1), each running `concurrency` calls at once (default 1). */
  readonly containersPerFunction?: number;
  readonly concurrency?: number;
  /**
   * Where a function's containers come from. Default: local container processes (embedded
   * provider) with that function loaded by `/init`. Give one to use deployed containers instead.
   */
  readonly provider?: (fn: FnRef) => Promise<ContainerProvider>;
  /** Passed on to the default embedded provider (output handling, Node options, ...). */
  readonly embedded?: Omit<EmbeddedContainerOptions, 'count' | 'concurrency' | 'init'>;
}

/**
 * The baseline mode (`mode: 'function-per-container'`): every function in its own warm container,
 * the way contemporary FaaS platforms run them. One `ContainerTier` per function (keep-alive client,
 * retries, cancellation as there), its containers started on the function's first call or ahead of
 * it by `preload`, with the function loaded by `/init` so that no call pays a cold start. Honest by
 * construction: the same functions run with the same inputs; the only extra cost is the real one of
 * the boundary (encoding, loopback HTTP, a process per function).
 */
export class FunctionPerContainerTier implements Tier {
  readonly kind = 'container' as const;
  /** Per function (`module#name`): its tier, being started or started. */
  private readonly tiers = new Map<string, Promise<ContainerTier>>();
  /** The tiers that have started. */
  private readonly ready = new Map<string, ContainerTier>();
  private closed = false;

  constructor(private readonly options: FunctionPerContainerOptions = {}) {}

  /** Calls that run at once over the containers started so far. */
  get capacity(): number {
    let total = 0;
    for (const tier of this.ready.values()) total += tier.capacity;
    return total;
  }

  /** Starts (warm) the containers of these functions now rather than on their first call. */
  async preload(fns: readonly FnRef[]): Promise<void> {
    await Promise.all(fns.map((fn) => this.tierFor(fn)));
  }

  /** The containers of each function started so far, by `module#name`. */
  containers(): ReadonlyMap<string, readonly ContainerLoad[]> {
    return new Map([...this.ready].map(([key, tier]) => [key, tier.containers()]));
  }

  async call(call: TierCall): Promise<unknown> {
    let tier: ContainerTier;
    try {
      // A call cancelled (or timed out) while its function's containers start settles at once, as every tier call does.
      tier = await untilAborted(this.tierFor(call.fn), call.signal);
    } catch (error) {
      if (call.signal.aborted) throw call.signal.reason;
      throw new ContainerUnavailableError(call.ctx.stepPath, `container of ${call.fn.name}`, error);
    }
    return tier.call(call);
  }

  /**
   * Stops every function's containers. Those still starting are not waited for (a provider may never
   * come up): each is stopped as soon as it is.
   */
  async close(): Promise<void> {
    this.closed = true;
    const ready = [...this.ready.values()];
    this.tiers.clear();
    this.ready.clear();
    await Promise.all(ready.map((tier) => tier.close()));
  }

  private tierFor(fn: FnRef): Promise<ContainerTier> {
    if (this.closed) return Promise.reject(new Error('the function-per-container tier is closed'));
    const key = fnKey(fn);
    let tier = this.tiers.get(key);
    if (!tier) {
      tier = this.startTier(fn).then((started) => {
        if (this.closed) {
          void started.close();
          throw new Error('the function-per-container tier is closed');
        }
        this.ready.set(key, started);
        return started;
      });
      this.tiers.set(key, tier);
      // A failed start is retried on the next call rather than cached.
      tier.catch(() => this.tiers.delete(key));
    }
    return tier;
  }

  private async startTier(fn: FnRef): Promise<ContainerTier> {
    const provider = this.options.provider
      ? await this.options.provider(fn)
      : await EmbeddedContainerProvider.create({
          ...this.options.embedded,
          count: this.options.containersPerFunction ?? 1,
          concurrency: this.options.concurrency ?? 1,
          init: { functions: [fn] },
        });
    return new ContainerTier(provider, { encoding: this.options.encoding ?? 'json' });
  }
}

/** Settles like `promise`, or rejects with `signal`'s reason as soon as it fires (`promise` is left to whoever else waits for it). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
