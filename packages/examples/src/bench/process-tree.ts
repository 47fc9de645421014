import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * Resident memory of a process and all its descendants (child processes, containers on loopback),
 * in bytes, read from /proc. Worker threads are inside their process and counted with it.
 *
 * The tree is walked down from `root` through `/proc/<pid>/task/<tid>/children`, so that only the
 * tree's own processes are read; where the kernel has no `children` files, every process in /proc
 * is read and the tree is found from their parents.
 */
export function treeRss(root: number): number {
  const walked = walkTree(root);
  return walked ?? scanTree(root);
}

function walkTree(root: number): number | undefined {
  let total = 0;
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    let tids: string[];
    try {
      total += rssOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      if (pid === root) return undefined;
      continue; // The process ended while we looked.
    }
    for (const tid of tids) {
      let children: string;
      try {
        children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
      } catch (error) {
        if (pid === root && (error as NodeJS.ErrnoException).code === 'ENOENT' && tid === String(pid)) return undefined;
        continue; // The thread ended while we looked.
      }
      for (const child of children.split(' ')) if (child.trim()) stack.push(Number(child));
    }
  }
  return total;
}

function scanTree(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pid = Number(entry);
      rss.set(pid, rssOf(stat));
      const ppid = Number(fieldsOf(stat)[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces): they start after the last ')'. */
const fieldsOf = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ');
const rssOf = (stat: string): number => Number(fieldsOf(stat)[21]) * 4096;

/**
 * Samples `treeRss(root)` until stopped; returns the peak.
 *
 * The sampling runs on a worker thread of its own. It used to run on the main thread, in a
 * `setInterval`: every 10 ms it read /proc for every process on the machine (about 2 ms with 70
 * processes, several ms with the baseline's hundreds of containers), and the event loop of the
 * process being measured, which runs the workflow (faastlane) or drives the containers (baseline),
 * was blocked meanwhile. The interval also stretches so that sampling takes at most a tenth of its
 * time: on a machine with two vCPUs the sampler must not take a core from the workload either.
 */
export function samplePeakRss(root: number, everyMs = 10): { stop: () => number } {
  const peakKib = new Int32Array(new SharedArrayBuffer(4));
  const first = treeRss(root);
  Atomics.store(peakKib, 0, Math.ceil(first / 1024));
  const worker = new Worker(SAMPLER, { eval: true, workerData: { root, everyMs, peak: peakKib, module: import.meta.url } });
  worker.unref();
  return {
    stop: () => {
      void worker.terminate();
      return Math.max(Atomics.load(peakKib, 0) * 1024, treeRss(root));
    },
  };
}

const SAMPLER = `
const { workerData } = require('node:worker_threads');
const { root, everyMs, peak, module } = workerData;
import(module).then(({ treeRss }) => {
  const tick = () => {
    const t0 = performance.now();
    const kib = Math.ceil(treeRss(root) / 1024);
    if (kib > Atomics.load(peak, 0)) Atomics.store(peak, 0, kib);
    const took = performance.now() - t0;
    setTimeout(tick, Math.max(everyMs, 9 * took));
  };
  setTimeout(tick, everyMs);
});
`;
