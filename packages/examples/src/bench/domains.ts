/**
 * What isolation costs. Where the CPU has PKU natively: entering and leaving a protection domain (two
 * PKRU writes) and allocating from a protected heap, timed with the native-mpk addon. Everywhere: a
 * call of an `isolation: 'domain'` function through the runtime against the same function without
 * isolation, which here (no MPK) measures the child-process fallback. Timings under emulation are
 * meaningless, so none are taken there (`measureDomainCosts` refuses them).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Runtime } from '@faastlane/core';
import { task, workflow } from '@faastlane/dsl';
import { measureDomainCosts } from '@faastlane/native-mpk';
import { DomainIncrement, PlainIncrement } from '../tiers/functions.js';
import { median } from './stats.js';

export interface DomainCostResult {
  /** Native PKU figures, or why there are none. */
  readonly native: { readonly enterLeaveUs: number; readonly alloc64Us: number } | { readonly unavailable: string };
  /** Where the runtime put the domain function (a protection domain, or a child process as fallback). */
  readonly placement: string;
  /** Median per-invocation time of a one-step workflow, us. */
  readonly isolatedUs: number;
  readonly plainUs: number;
  /** With MPK: the same domain function in a domain of this process (`domainHosting: 'in-process'`), us. */
  readonly inProcessUs?: number;
}

export async function benchDomains(options: { reps: number; iterations: number }): Promise<DomainCostResult> {
  const native = measureDomainCosts(options.iterations);

  const isolated = workflow('isolated-increment').pipe(task(DomainIncrement));
  const plain = workflow('plain-increment').pipe(task(PlainIncrement));
  const time = async (rt: Runtime, wf: typeof plain): Promise<number> => {
    const samples: number[] = [];
    await rt.invoke(wf, 0); // warm: the process or domain is up
    for (let r = 0; r < options.reps; r++) {
      const t0 = performance.now();
      for (let i = 0; i < 50; i++) await rt.invoke(wf, i);
      samples.push(((performance.now() - t0) * 1000) / 50);
    }
    return median(samples);
  };

  const rt = await Runtime.create();
  let result: DomainCostResult;
  try {
    const placement = rt.plan(isolated).tasks()[0]?.placement ?? 'unknown';
    result = { native, placement, plainUs: await time(rt, plain), isolatedUs: await time(rt, isolated) };
  } finally {
    await rt.close();
  }
  // Where MPK works, the default (the supervised domain host) pays a process hop; the in-process
  // domain does not. Both are shown.
  if (result.placement !== 'domain-host') return result;
  const inProcess = await Runtime.create({ domainHosting: 'in-process' });
  try {
    return { ...result, inProcessUs: await time(inProcess, isolated) };
  } finally {
    await inProcess.close();
  }
}
