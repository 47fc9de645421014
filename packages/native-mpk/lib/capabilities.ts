/** The capability probe, with or without the native addon. */
import { readFileSync } from 'node:fs';

import { addonStatus, nativeBinding } from './load.js';
import type { MpkCapabilities } from './types.js';

/** The `flags` of /proc/cpuinfo, for reporting only when the addon (and so CPUID) is missing. */
function cpuinfoFlags(): Set<string> {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('flags'));
    return new Set((line?.split(':')[1] ?? '').trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

/**
 * Measures whether this process can use Memory Protection Keys. Never throws.
 *
 * With the addon: CPUID leaf 7 (PKU, OSPKE), then `pkey_alloc` until it fails, freeing exactly the
 * keys it allocated (so `freeKeys` is exact at the moment of the call). RDPKRU/WRPKRU are never
 * executed unless OSPKE is set. Without the addon (not built, failed to load, or not Linux x86-64):
 * `available: false` and the reason. Each call probes again; the result is not cached, since keys
 * come and go.
 */
export function capabilities(): MpkCapabilities {
  const platform = `${process.platform}-${process.arch}`;
  const status = addonStatus();
  const binding = nativeBinding();
  if (!status.loaded || !binding) {
    const flags = process.platform === 'linux' ? cpuinfoFlags() : new Set<string>();
    return {
      available: false,
      reason: status.loaded ? 'addon not built: binding missing' : status.reason,
      cpuPku: flags.has('pku'),
      osPke: flags.has('ospke'),
      freeKeys: 0,
      addonLoaded: false,
      platform,
    };
  }
  try {
    const c = binding.capabilities();
    const out: MpkCapabilities = {
      available: c.available,
      reason: c.reason,
      cpuPku: c.cpuPku,
      osPke: c.osPke,
      freeKeys: c.available ? c.freeKeys : 0,
      addonLoaded: true,
      platform,
    };
    if (c.pkeyAllocErrno !== undefined) out.pkeyAllocErrno = c.pkeyAllocErrno;
    return out;
  } catch (err) {
    return {
      available: false,
      reason: `capability probe failed: ${err instanceof Error ? err.message : String(err)}`,
      cpuPku: false,
      osPke: false,
      freeKeys: 0,
      addonLoaded: true,
      platform,
    };
  }
}
