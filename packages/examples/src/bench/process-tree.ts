import { readdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Resident memory of a process and all its descendants (child processes, containers on loopback),
 * in bytes, read from /proc. Worker threads are inside their process and counted with it.
 *
 * The tree is walked down from `root` through `/proc/<pid>/task/<tid>/children`, so that only the
 * tree's own processes are read; where the kernel has no `children` files, every process in /proc
 * is read and the tree is found from their parents.
 */
export function treeRss(root: number, exclude?: number): number {
  const walked = walkTree(root, exclude);
  return walked ?? scanTree(root, exclude);
}

function walkTree(root: number, exclude: number | undefined): number | undefined {
  let total = 0;
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length) {
    const pid = stack.pop() as number;
    if (seen.has(pid) || pid === exclude) continue;
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

function scanTree(root: number, exclude: number | undefined): number {
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
    if (pid === exclude) continue;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces): they start after the last ')'. */
const fieldsOf = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ');
/** Resident pages times the page size, which is not 4 KiB everywhere (arm64 kernels with 16 or 64 KiB pages). */
const rssOf = (stat: string): number => Number(fieldsOf(stat)[21]) * PAGE_BYTES;
const PAGE_BYTES = pageSize();

/** The page size, from what /proc says of this process: its RSS in pages (statm) against in kB (status). */
function pageSize(): number {
  try {
    const pages = Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    const ratio = (kb * 1024) / pages;
    // Both are read a moment apart: take the nearest power of two.
    return Number.isFinite(ratio) && ratio > 0 ? 2 ** Math.round(Math.log2(ratio)) : 4096;
  } catch {
    return 4096;
  }
}

/**
 * Samples `treeRss(root)` until stopped; `stop()` resolves to the peak. `pause()` and `resume()` stop
 * and continue the sampling while the tree is idle and something else is being measured: walking
 * /proc for hundreds of containers takes CPU from whatever runs meanwhile.
 *
 * The sampling runs in a process of its own (`process-tree-sampler.js`, left out of the tree it
 * measures). It used to run on the main thread, in a `setInterval`: every 10 ms it read /proc for
 * every process on the machine (about 2 ms with 70 processes, several ms with the baseline's
 * hundreds of containers), and the event loop of the process being measured, which runs the
 * workflow (faastlane) or drives the containers (baseline), was blocked meanwhile. A worker thread
 * would add its own memory to the process it measures. The sampler also stretches its interval so
 * that sampling takes at most a tenth of its time: on a machine with two vCPUs it must not take a
 * core from the workload either.
 */
export function samplePeakRss(root: number, everyMs = 10): { stop: () => Promise<number>; pause: () => void; resume: () => void } {
  const first = treeRss(root);
  const child = spawn(process.execPath, [fileURLToPath(new URL('./process-tree-sampler.js', import.meta.url)), String(root), String(everyMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // A benchmark that fails before `stop()` must still exit (the sampler then sees its stdin close).
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
  (child.stdout as unknown as { unref(): void }).unref();
  // Over its stdin rather than by SIGSTOP: a stopped sampler would outlive a parent that died meanwhile.
  const tell = (line: string): void => {
    child.stdin.write(`${line}\n`);
  };
  child.stdin.on('error', () => undefined);
  return {
    pause: () => tell('pause'),
    resume: () => tell('resume'),
    stop: async () => {
      child.ref();
      (child.stdout as unknown as { ref(): void }).ref();
      child.stdin.end();
      await exited;
      const sampled = Number(out.trim().split('\n').at(-1));
      // Without its readings the "peak" would only be the idle readings at the ends: say so instead.
      if (!Number.isFinite(sampled) || sampled <= 0) throw new Error(`the RSS sampler of pid ${root} reported no peak (it printed ${JSON.stringify(out.slice(-200))})`);
      // The sampler has exited: the last reading, taken here, no longer includes it.
      return Math.max(first, sampled, treeRss(root));
    },
  };
}
