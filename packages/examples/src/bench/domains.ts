/**
 * What isolation costs. Where the CPU has PKU natively: entering and leaving a protection domain (two
 * PKRU writes) and allocating from a protected heap, timed with the native-mpk addon. Everywhere: a
 * call of an `isolation: 'domain'` function through the runtime against the same function without
 * isolation, which here (no MPK) measures the child-process fallback. Timings under emulation are
 * meaningless, so none are taken there.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Runtime } from '@faastlane/core';
import { task, workflow } from '@faastlane/dsl';
import { capabilities, createDomain } from '@faastlane/native-mpk';
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
}

export async function benchDomains(options: { reps: number; iterations: number }): Promise<DomainCostResult> {
  const caps = capabilities();
  let native: DomainCostResult['native'] = { unavailable: caps.reason };
  if (caps.available) {
    const domain = createDomain('bench');
    try {
      const t0 = performance.now();
      for (let i = 0; i < options.iterations; i++) domain.enter().leave();
      const t1 = performance.now();
      for (let i = 0; i < options.iterations; i++) domain.alloc(64);
      const t2 = performance.now();
      native = { enterLeaveUs: ((t1 - t0) * 1000) / options.iterations, alloc64Us: ((t2 - t1) * 1000) / options.iterations };
    } finally {
      domain.close();
    }
  }

  const rt = await Runtime.create();
  try {
    const isolated = workflow('isolated-increment').pipe(task(DomainIncrement));
    const plain = workflow('plain-increment').pipe(task(PlainIncrement));
    const placement = rt.plan(isolated).tasks()[0]?.placement ?? 'unknown';
    const time = async (wf: typeof plain): Promise<number> => {
      const samples: number[] = [];
      await rt.invoke(wf, 0); // warm: the process or domain is up
      for (let r = 0; r < options.reps; r++) {
        const t0 = performance.now();
        for (let i = 0; i < 50; i++) await rt.invoke(wf, i);
        samples.push(((performance.now() - t0) * 1000) / 50);
      }
      return median(samples);
    };
    const plainUs = await time(plain);
    const isolatedUs = await time(isolated);
    return { native, placement, isolatedUs, plainUs };
  } finally {
    await rt.close();
  }
}
