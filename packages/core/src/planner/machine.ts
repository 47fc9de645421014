import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { capabilities, type MpkCapabilities } from '@faastlane/native-mpk';

/** What the planner knows about the machine it plans for. */
export interface MachineInfo {
  /** vCPUs this process may really use: the cgroup CPU quota where one is set, else the CPUs the OS offers. */
  readonly vcpus: number;
  /** Where `vcpus` came from. */
  readonly vcpuSource: 'cgroup-v2' | 'cgroup-v1' | 'os';
  /** Memory protection keys: usable or not, and why. */
  readonly mpk: Pick<MpkCapabilities, 'available' | 'reason' | 'freeKeys'>;
}

/** Reads the machine once. Cheap enough to call at `Runtime.create`. */
export function probeMachine(): MachineInfo {
  const cpus = availableParallelism();
  const quota = cgroupCpuQuota();
  const mpk = capabilities();
  return {
    vcpus: quota ? Math.max(1, Math.min(cpus, Math.ceil(quota.cpus))) : cpus,
    vcpuSource: quota?.source ?? 'os',
    mpk: { available: mpk.available, reason: mpk.reason, freeKeys: mpk.freeKeys },
  };
}

/** The CPU quota of this process's cgroup, in CPUs, or undefined when none is set. */
function cgroupCpuQuota(): { cpus: number; source: 'cgroup-v2' | 'cgroup-v1' } | undefined {
  // cgroup v2: "<quota> <period>" or "max <period>".
  const v2 = readText('/sys/fs/cgroup/cpu.max');
  if (v2) {
    const [quota, period] = v2.trim().split(/\s+/);
    if (quota && quota !== 'max' && Number(period) > 0) return { cpus: Number(quota) / Number(period), source: 'cgroup-v2' };
    return undefined;
  }
  // cgroup v1: quota -1 means unlimited.
  const quota = Number(readText('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const period = Number(readText('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  if (quota > 0 && period > 0) return { cpus: quota / period, source: 'cgroup-v1' };
  return undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
