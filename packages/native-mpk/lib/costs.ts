/**
 * What a protection domain costs where the CPU has PKU: entering and leaving one (two PKRU writes,
 * read-modify-write of the addon's bits) and allocating from a protected heap. For benchmarks.
 *
 * Under software emulation (QEMU TCG, where this project's CI finds real PKU) an emulated WRPKRU costs
 * microseconds, so such timings say nothing about hardware: they are refused unless asked for, which
 * only a functional check should do.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { capabilities } from './capabilities.js';
import { createDomain } from './domain.js';

/** Mean cost per operation, microseconds. */
export interface DomainCosts {
  readonly enterLeaveUs: number;
  readonly alloc64Us: number;
}

/** Why no costs were measured. */
export interface NoDomainCosts {
  readonly unavailable: string;
}

/** The CPU's model name when it is an emulated one (QEMU's TCG), else `undefined`. */
export function emulatedCpu(cpuinfo: () => string = () => readFileSync('/proc/cpuinfo', 'utf8')): string | undefined {
  let text: string;
  try {
    text = cpuinfo();
  } catch {
    return undefined;
  }
  const model = /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim();
  return model && /\b(QEMU|TCG)\b/.test(model) ? model : undefined;
}

/**
 * Times `iterations` enter+leave pairs and as many 64-byte allocations in a fresh domain (closed
 * afterwards). Without MPK, or on an emulated CPU unless `evenIfEmulated`, says why instead.
 */
export function measureDomainCosts(iterations = 10_000, options: { evenIfEmulated?: boolean } = {}): DomainCosts | NoDomainCosts {
  const caps = capabilities();
  if (!caps.available) return { unavailable: caps.reason };
  const emulated = emulatedCpu();
  if (emulated && !options.evenIfEmulated) return { unavailable: `emulated CPU (${emulated}): timings under emulation mean nothing` };
  const domain = createDomain('faastlane:cost-probe');
  try {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) domain.enter().leave();
    const t1 = performance.now();
    for (let i = 0; i < iterations; i++) domain.alloc(64);
    const t2 = performance.now();
    return { enterLeaveUs: ((t1 - t0) * 1000) / iterations, alloc64Us: ((t2 - t1) * 1000) / iterations };
  } finally {
    domain.close();
  }
}
