import { ContainerUnavailableError } from '../errors.js';
import { fromWireError } from '../hosting/wire.js';
import { TierCrashError, type Tier, type TierCall } from '../tiers/tier.js';
import { ContainerClient, ContainerConnectionError, type RunningCall } from './client.js';
import type { BodyEncoding } from './codec.js';
import { EmbeddedContainerProvider, type EmbeddedContainerOptions } from './embedded-provider.js';
import type { ContainerEndpoint, ContainerProvider } from './provider.js';
import { RemoteContainerProvider, type RemoteContainerOptions } from './remote-provider.js';

/** Options of a container tier. */
export interface ContainerTierOptions {
  /** How call bodies travel: `v8` (default; binary, fast) or `json` (tagged JSON, the FaaS baseline). */
  readonly encoding?: BodyEncoding;
  /**
   * After a cancelled call's `/cancel`, how long the container may take to let the function go
   * (default 1 s). Then the tier hangs up and has the container checked: one whose event loop a
   * runaway function holds is killed and replaced (embedded) or dropped (remote).
   */
  readonly cancelGraceMs?: number;
}

/** What the tier knows of one container (for plans, benchmarks and tests). */
export interface ContainerLoad {
  readonly url: string;
  readonly label: string;
  readonly concurrency: number;
  /** Calls running there now. */
  readonly inFlight: number;
  /** Calls it has answered through this tier. */
  readonly served: number;
}

interface Slot {
  endpoint: ContainerEndpoint;
  readonly client: ContainerClient;
  inFlight: number;
  served: number;
  /** Gone from the provider: takes no new calls, its client closes once its calls are done. */
  retired: boolean;
}

interface Pending {
  readonly call: TierCall;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Containers this call failed on: it is not sent there again. */
  readonly failedOn: Set<string>;
  lastFailure?: { readonly endpoint: ContainerEndpoint; readonly cause: unknown };
  running?: { readonly slot: Slot; readonly call: RunningCall; done: boolean };
  settled: boolean;
  readonly onAbort: () => void;
}

/** Dispatches per call: the first try and one retry on another container. */
const MAX_DISPATCHES = 2;

/**
 * Runs functions in containers (the plan's container boundary): state crosses over HTTP, v8 or JSON
 * encoded. Each call goes to the least-loaded live container; calls beyond the total concurrency
 * (`capacity`) wait here, and go to whichever container frees up first.
 *
 * A container that dies or drops the connection mid-call costs the call one retry on another live
 * container; with none, the call rejects with `ContainerUnavailableError` (its cause a
 * `TierCrashError`). A retried call may thus run twice: functions in containers are, as on any FaaS
 * platform, at least once. When a call's signal fires the tier rejects at once with its reason and
 * sends `/cancel`, so that the function's own signal fires in the container.
 */
export class ContainerTier implements Tier {
  readonly kind = 'container' as const;
  private readonly slots = new Map<string, Slot>();
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Set<Pending>();
  private readonly unsubscribe: () => void;
  private readonly encoding: BodyEncoding;
  private turn = 0;
  private closed = false;

  /** A tier over `provider`; the tier owns it from now on (`close()` closes it). */
  constructor(
    readonly provider: ContainerProvider,
    private readonly options: ContainerTierOptions = {},
  ) {
    this.encoding = options.encoding ?? 'v8';
    this.unsubscribe = provider.onChange(() => this.sync());
    this.sync();
  }

  /** A tier over local container processes (`options.count` of them, default 1), started warm. */
  static async embedded(options: EmbeddedContainerOptions & ContainerTierOptions = {}): Promise<ContainerTier> {
    return new ContainerTier(await EmbeddedContainerProvider.create(options), options);
  }

  /** A tier over deployed containers, by URL. */
  static async remote(options: RemoteContainerOptions & ContainerTierOptions): Promise<ContainerTier> {
    return new ContainerTier(await RemoteContainerProvider.create(options), options);
  }

  /** Calls that run at once: the concurrency of every live container together. */
  get capacity(): number {
    let total = 0;
    for (const slot of this.slots.values()) if (!slot.retired) total += slot.endpoint.concurrency;
    return total;
  }

  /** The live containers and their load. */
  containers(): readonly ContainerLoad[] {
    return [...this.slots.values()]
      .filter((slot) => !slot.retired)
      .map(({ endpoint, inFlight, served }) => ({ url: endpoint.url, label: endpoint.label, concurrency: endpoint.concurrency, inFlight, served }));
  }

  /**
   * Makes sure `count` containers are live or starting, starting more where the provider can (the
   * planner's spill: a group wider than one container's vCPUs). Resolves once they are warm.
   */
  async ensureContainers(count: number): Promise<void> {
    const missing = count - this.provider.endpoints().length - this.provider.starting;
    if (missing > 0 && this.provider.start) await this.provider.start(missing);
  }

  call(call: TierCall): Promise<unknown> {
    if (this.closed) return Promise.reject(new ContainerUnavailableError(call.ctx.stepPath, 'container tier', new Error('the container tier is closed')));
    if (call.signal.aborted) return Promise.reject(call.signal.reason);
    return new Promise((resolve, reject) => {
      const pending: Pending = { call, resolve, reject, failedOn: new Set(), settled: false, onAbort: () => this.abort(pending) };
      call.signal.addEventListener('abort', pending.onAbort, { once: true });
      this.queue.push(pending);
      this.drain();
    });
  }

  /** Rejects every call, closes every connection and the provider (stopping embedded containers). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const pending of [...this.queue.splice(0), ...this.inFlight]) {
      this.settle(pending, () => pending.reject(new ContainerUnavailableError(pending.call.ctx.stepPath, 'container tier', new Error('the container tier was closed'))));
    }
    try {
      await this.provider.close();
    } finally {
      for (const slot of this.slots.values()) slot.client.close();
      this.slots.clear();
    }
  }

  /** Takes in the provider's current containers. */
  private sync(): void {
    if (this.closed) return;
    const live = new Map(this.provider.endpoints().map((endpoint) => [endpoint.url, endpoint]));
    for (const [url, slot] of this.slots) {
      if (live.has(url)) continue;
      slot.retired = true;
      this.retireIfIdle(slot);
    }
    for (const [url, endpoint] of live) {
      const slot = this.slots.get(url);
      if (slot && !slot.retired) slot.endpoint = endpoint;
      else this.slots.set(url, { endpoint, client: new ContainerClient(url, { encoding: this.encoding }), inFlight: 0, served: 0, retired: false });
    }
    this.drain();
  }

  private retireIfIdle(slot: Slot): void {
    if (!slot.retired || slot.inFlight > 0) return;
    slot.client.close();
    if (this.slots.get(slot.endpoint.url) === slot) this.slots.delete(slot.endpoint.url);
  }

  /** Sends queued calls to free containers, in order; rejects those no container is left for. */
  private drain(): void {
    for (let i = 0; i < this.queue.length; ) {
      const pending = this.queue[i]!;
      const choice = this.pick(pending);
      if (choice === 'wait') {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      if (choice === 'none') this.unavailable(pending);
      else this.dispatch(pending, choice);
    }
  }

  /** The least-loaded free container for a call, `wait` when all are busy, `none` when none can take it. */
  private pick(pending: Pending): Slot | 'wait' | 'none' {
    const candidates = [...this.slots.values()].filter((slot) => !slot.retired && !pending.failedOn.has(slot.endpoint.url));
    if (candidates.length === 0) {
      // A retry does not wait for replacements; a first try waits only while containers are starting.
      return pending.failedOn.size > 0 || this.provider.starting === 0 ? 'none' : 'wait';
    }
    let best: Slot | undefined;
    let bestLoad = Infinity;
    // Start the scan at a rotating index, so that equally loaded containers take turns.
    const start = this.turn++ % candidates.length;
    for (let k = 0; k < candidates.length; k++) {
      const slot = candidates[(start + k) % candidates.length]!;
      const load = slot.inFlight / slot.endpoint.concurrency;
      if (slot.inFlight < slot.endpoint.concurrency && load < bestLoad) {
        best = slot;
        bestLoad = load;
      }
    }
    return best ?? 'wait';
  }

  private dispatch(pending: Pending, slot: Slot): void {
    const { fn, input, ctx } = pending.call;
    slot.inFlight++;
    this.inFlight.add(pending);
    const running = { slot, call: slot.client.run(fn, input, ctx), done: false };
    pending.running = running;
    const release = (): void => {
      running.done = true;
      slot.inFlight--;
      this.inFlight.delete(pending);
      this.retireIfIdle(slot);
    };
    running.call.response.then(
      (answer) => {
        release();
        slot.served++;
        this.settle(pending, () => {
          if (!answer.ok) return pending.reject(fromWireError(answer.error));
          if (answer.ran) pending.call.onRan?.(answer.ran);
          pending.resolve(answer.output);
        });
        this.drain();
      },
      (error: unknown) => {
        release();
        if (error instanceof ContainerConnectionError && !pending.settled) {
          this.quarantine(slot, error);
          pending.failedOn.add(slot.endpoint.url);
          pending.lastFailure = { endpoint: slot.endpoint, cause: error };
          if (pending.failedOn.size < MAX_DISPATCHES) this.queue.unshift(pending);
          else this.unavailable(pending);
        } else {
          this.settle(pending, () => pending.reject(error));
        }
        this.drain();
      },
    );
  }

  private abort(pending: Pending): void {
    if (pending.settled) return;
    const at = this.queue.indexOf(pending);
    if (at >= 0) this.queue.splice(at, 1);
    this.settle(pending, () => pending.reject(pending.call.signal.reason));
    const running = pending.running;
    if (!running || running.done) return;
    // The container keeps the slot until the function lets go; `/cancel` asks it to.
    running.slot.client.cancel(running.call.id, 1_000).catch(() => undefined);
    setTimeout(() => {
      if (running.done) return;
      running.call.hangUp();
      this.quarantine(running.slot, new Error('a cancelled call did not end'));
    }, this.options.cancelGraceMs ?? 1_000).unref();
  }

  /**
   * Sends no more calls to a container that failed a call or did not let a cancelled one go, until
   * its provider has checked it (the provider lists it again if it lives).
   */
  private quarantine(slot: Slot, cause: unknown): void {
    if (slot.retired) return;
    slot.retired = true;
    this.retireIfIdle(slot);
    // Calls still running there that the tier waits for hold slots of their own: the provider must
    // not count them as slots lost to a call given up on.
    let stillOurs = 0;
    for (const pending of this.inFlight) if (pending.running?.slot === slot && !pending.running.done && !pending.settled) stillOurs++;
    this.provider.suspect(slot.endpoint, cause, stillOurs);
  }

  private unavailable(pending: Pending): void {
    const failure = pending.lastFailure;
    const stepPath = pending.call.ctx.stepPath;
    const error = failure
      ? new ContainerUnavailableError(stepPath, failure.endpoint.url, new TierCrashError('container', failure.endpoint.label, describe(failure.cause)))
      : new ContainerUnavailableError(stepPath, 'container tier', new Error('no container is live'));
    this.settle(pending, () => pending.reject(error));
  }

  private settle(pending: Pending, outcome: () => void): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.call.signal.removeEventListener('abort', pending.onAbort);
    outcome();
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
