import type { FnRef } from '../hosting/wire.js';
import { forEachStep, type Placement, type Plan } from '../planner/plan.js';
import type { Tier } from '../tiers/tier.js';

/** Starts a tier on demand. */
export type TierFactory = () => Promise<Tier>;

/** How the runtime obtains the tiers a plan places steps on. */
export interface TierFactories {
  readonly workerThreads?: TierFactory;
  /** Isolated functions: each function gets processes of its own, never shared with another function. */
  readonly childProcesses?: (fn: string) => Promise<Tier>;
  /** The supervised processes of the `isolation: 'domain'` functions (each in its own protection domain there). */
  readonly domainHost?: TierFactory;
  /** Other containers (spill), or in `function-per-container` mode the containers of every function. */
  readonly containers?: TierFactory;
}

/**
 * The tiers of one runtime, started when first needed and kept warm after: a plan's tiers are all
 * started (`prepare`) before its run begins, so that no step waits for a worker, process or
 * container to boot.
 */
export class TierSet {
  private readonly started = new Map<string, Promise<Tier>>();
  private readonly ready = new Map<string, Tier>();
  /** Plans whose tiers are up and whose functions were handed to them to preload: later runs skip the walk. */
  private readonly prepared = new WeakSet<Plan>();

  constructor(private readonly factories: TierFactories) {}

  /** Whether `prepare` already succeeded for this plan. */
  isPrepared(plan: Plan): boolean {
    return this.prepared.has(plan);
  }

  /** Starts every tier the plan uses and has it preload the plan's functions. */
  async prepare(plan: Plan, moduleOf: (fn: string) => string | undefined): Promise<void> {
    const needed = new Map<string, () => Promise<Tier>>();
    const preload = new Map<string, FnRef[]>();
    forEachStep(plan.root, (step) => {
      if (step.kind === 'group' && step.spill?.enabled && !needed.has('container')) needed.set('container', () => this.factory('container', ''));
      if (step.kind !== 'task') return;
      const key = this.key(step.placement, step.fn);
      if (!key) return;
      if (!needed.has(key)) needed.set(key, () => this.factory(step.placement, step.fn));
      const module = moduleOf(step.fn);
      if (module) preload.set(key, [...(preload.get(key) ?? []), { module, name: step.fn }]);
    });
    await Promise.all(
      [...needed].map(async ([key, start]) => {
        const tier = await this.start(key, start);
        const fns = preload.get(key);
        if (fns && tier.preload) await tier.preload(fns);
      }),
    );
    this.prepared.add(plan);
  }

  /** Starts a tier ahead of any plan (e.g. the worker pool at `Runtime.create`). */
  warm(placement: Exclude<Placement, 'main-thread'>): Promise<Tier> {
    return this.start(placement, () => this.factory(placement, ''));
  }

  /** The started tier for a placement; `prepare` must have run for the plan. */
  get(placement: Exclude<Placement, 'main-thread'>, fn: string): Tier {
    const key = this.key(placement, fn) ?? placement;
    const tier = this.ready.get(key) ?? this.ready.get(placement);
    if (!tier) throw new Error(`internal: the ${placement} tier for ${fn || 'this step'} was not started before the run`);
    return tier;
  }

  /** Whether a tier has been started. */
  has(placement: Exclude<Placement, 'main-thread'>): boolean {
    return this.ready.has(placement);
  }

  async close(): Promise<void> {
    const tiers = await Promise.allSettled([...this.started.values()]);
    await Promise.allSettled(tiers.map((t) => (t.status === 'fulfilled' ? t.value.close() : undefined)));
    this.started.clear();
    this.ready.clear();
  }

  private key(placement: Placement, fn: string): string | undefined {
    // Both run on the calling thread (a domain is entered there): no tier to start.
    if (placement === 'main-thread' || placement === 'domain') return undefined;
    // An isolated function must never share a process (and its memory) with another function.
    if (placement === 'child-process') return `child-process:${fn}`;
    return placement;
  }

  private start(key: string, start: () => Promise<Tier>): Promise<Tier> {
    let tier = this.started.get(key);
    if (!tier) {
      tier = start().then((t) => {
        this.ready.set(key, t);
        return t;
      });
      this.started.set(key, tier);
      // A tier that failed to start is tried again next time.
      tier.catch(() => this.started.delete(key));
    }
    return tier;
  }

  private factory(placement: Placement, fn: string): Promise<Tier> {
    const f = this.factories;
    switch (placement) {
      case 'worker-thread':
        if (f.workerThreads) return f.workerThreads();
        break;
      case 'child-process':
        if (f.childProcesses) return f.childProcesses(fn);
        break;
      case 'domain-host':
        if (f.domainHost) return f.domainHost();
        break;
      case 'container':
        if (f.containers) return f.containers();
        break;
      case 'main-thread':
      case 'domain':
        break;
    }
    return Promise.reject(new Error(`this runtime has no ${placement} tier`));
  }
}
