import { availableParallelism } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { containerEntryPath } from './entry.js';
import type { HealthResponse, InitRequest } from './protocol.js';
import { parseReadyLine } from './protocol.js';
import { hasFreeSlot, ProviderBase, type ContainerEndpoint, type ContainerProvider } from './provider.js';

/** Options of the embedded provider. */
export interface EmbeddedContainerOptions {
  /** Containers started by `create` (default 1). `start(n)` adds more later. */
  readonly count?: number;
  /** `/run` calls each container runs at once (default 1; see `ContainerServerOptions.concurrency`). */
  readonly concurrency?: number;
  /** Loaded into every container (replacements too) before it takes calls, so that calls are warm. */
  readonly init?: InitRequest;
  /** Start a new container in the background when one dies (default true). */
  readonly replaceDead?: boolean;
  /**
   * At most `count` replacements within `windowMs` (default 5 in 10 s): a container that dies at once
   * (a function that crashes it on every call) is not restarted in a loop. A replacement past the
   * limit is started once the window allows it, so the provider never stays short for good.
   */
  readonly restartLimit?: { readonly count: number; readonly windowMs: number };
  /** How long a container may take to print its ready line and load `init` (default 15 s). */
  readonly startTimeoutMs?: number;
  /** The container entry script (default: the compiled `container-main.js` of this package). */
  readonly entry?: string;
  /** Node options for the container processes (e.g. `--max-old-space-size=512`). */
  readonly execArgv?: readonly string[];
  /** Environment of the container processes (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Receives what the functions in a container print (stdout and stderr, line by line). Default:
   * written to this process's stderr, prefixed with the container's pid.
   */
  readonly onOutput?: (line: string, pid: number) => void;
}

/** A local container process. */
export interface EmbeddedContainer extends ContainerEndpoint {
  readonly pid: number;
}

/** The default `restartLimit`. */
const RESTART_LIMIT = { count: 5, windowMs: 10_000 } as const;
const HEALTH_TIMEOUT_MS = 1_000;
/** How long a suspect container whose call slots were all taken gets before it is looked at again. */
const SECOND_LOOK_MS = 500;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Runs containers as child processes of this one, each a Node process serving the container protocol
 * on loopback. They are started warm (ready line seen, `init` loaded), killed on `close()`, on this
 * process's exit, and (through their stdin) when this process dies, even by SIGKILL. A container
 * that dies is replaced in the background.
 */
export class EmbeddedContainerProvider extends ProviderBase implements ContainerProvider {
  private readonly live = new Map<ChildProcess, EmbeddedContainer>();
  private readonly children = new Set<ChildProcess>();
  private readonly checking = new Set<string>();
  private readonly restarts: number[] = [];
  /** Replacements held back by `restartLimit`, and the timer that starts them when it allows. */
  private owed = 0;
  private owedTimer: ReturnType<typeof setTimeout> | undefined;
  private pending = 0;
  private closing = false;

  private constructor(private readonly options: EmbeddedContainerOptions) {
    super();
  }

  /** Starts `options.count` containers (default 1) and resolves once all are warm. */
  static async create(options: EmbeddedContainerOptions = {}): Promise<EmbeddedContainerProvider> {
    const provider = new EmbeddedContainerProvider(options);
    try {
      await provider.start(options.count ?? 1);
    } catch (error) {
      await provider.close();
      throw error;
    }
    return provider;
  }

  /** Containers starting, and live ones being checked (calls wait for both). */
  get starting(): number {
    return this.pending + this.checking.size;
  }

  endpoints(): readonly EmbeddedContainer[] {
    return [...this.live.values()];
  }

  /** Starts `count` more containers; resolves once they are warm. */
  async start(count: number): Promise<readonly EmbeddedContainer[]> {
    // A few at a time: booting a Node process costs a few hundred ms of CPU, and a hundred booted at
    // once on a small machine would starve each other past their start timeout.
    const started: EmbeddedContainer[] = [];
    const width = Math.max(2, availableParallelism() * 2);
    for (let i = 0; i < count; i += width) {
      started.push(...(await Promise.all(Array.from({ length: Math.min(width, count - i) }, () => this.spawnOne()))));
    }
    return started;
  }

  suspect(endpoint: ContainerEndpoint, _cause?: unknown, stillOurs = 0): void {
    const entry = [...this.live].find(([, container]) => container.url === endpoint.url);
    if (!entry) return this.notify();
    if (this.checking.has(endpoint.url)) return;
    const [child, container] = entry;
    this.checking.add(endpoint.url);
    // Alive but not answering (a runaway function holds its event loop), or answering with every
    // call slot still taken by calls the tier gave up on (a function that ignores its cancellation:
    // new calls would only queue behind it): kill it, and start another. A slot still taken at the
    // first look gets a second one a moment later: a function that honours its signal may be about
    // to end (the probe can come before the container has even seen the connection drop).
    const look = (): Promise<HealthResponse | undefined> => this.probe(container.url, HEALTH_TIMEOUT_MS);
    void look()
      .then((health) => (health && !hasFreeSlot(health, stillOurs) ? delay(SECOND_LOOK_MS).then(look) : health))
      .then((health) => {
        this.checking.delete(endpoint.url);
        if (hasFreeSlot(health, stillOurs)) this.notify();
        else this.replace(child);
      });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.owedTimer);
    const exits = [...this.children].map((child) => stopChild(child));
    this.live.clear();
    await Promise.all(exits);
  }

  private async spawnOne(): Promise<EmbeddedContainer> {
    if (this.closing) throw new Error('the container provider is closed');
    this.pending++;
    const concurrency = Math.max(1, this.options.concurrency ?? 1);
    const args = [...(this.options.execArgv ?? []), this.options.entry ?? containerEntryPath(), '--port', '0', '--concurrency', String(concurrency), '--exit-with-stdin'];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: this.options.env ?? process.env });
    this.children.add(child);
    trackForExit(child);
    child.once('exit', () => this.onExit(child));
    const stderrTail: string[] = [];
    const output = this.options.onOutput ?? ((line: string, pid: number) => process.stderr.write(`[container ${pid}] ${line}\n`));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      output(line, child.pid ?? 0);
    });
    try {
      const port = await waitForReady(child, this.options.startTimeoutMs ?? 15_000, (line) => output(line, child.pid ?? 0), stderrTail);
      const url = `http://127.0.0.1:${port}`;
      await this.preload(url, this.options.init, this.options.startTimeoutMs ?? 15_000);
      if (this.closing || child.exitCode !== null || child.signalCode !== null) throw new Error(`container pid ${child.pid} exited while starting`);
      const container: EmbeddedContainer = { url, concurrency, pid: child.pid!, label: `pid ${child.pid} at ${url}` };
      this.live.set(child, container);
      // Warm and registered: it must not keep this process alive on its own.
      for (const handle of [child, child.stdin, child.stdout, child.stderr]) (handle as { unref?: () => void } | null)?.unref?.();
      this.notify();
      return container;
    } catch (error) {
      child.kill('SIGKILL');
      // Calls that waited for this start must look again (they fail if nothing else is live or starting).
      queueMicrotask(() => this.notify());
      throw error;
    } finally {
      this.pending--;
    }
  }

  private onExit(child: ChildProcess): void {
    this.children.delete(child);
    this.replace(child);
  }

  /** Drops a dead (or hopeless) live container, kills it, and starts its replacement in the background. */
  private replace(child: ChildProcess): void {
    if (!this.live.delete(child) || this.closing) return;
    child.kill('SIGKILL');
    if (this.options.replaceDead !== false) {
      this.owed++;
      this.startOwed();
    }
    this.notify();
  }

  /**
   * Starts the replacements owed that `restartLimit` allows now, and sets a timer for the rest. One
   * held back is not counted in `starting`: calls meanwhile fail fast (no container) rather than wait
   * for the window.
   */
  private startOwed(): void {
    if (this.closing || this.owedTimer !== undefined) return;
    const limit = this.options.restartLimit ?? RESTART_LIMIT;
    const now = Date.now();
    while (this.restarts.length > 0 && now - this.restarts[0]! >= limit.windowMs) this.restarts.shift();
    while (this.owed > 0 && this.restarts.length < Math.max(1, limit.count)) {
      this.owed--;
      this.restarts.push(now);
      // Counted in `starting` from here on. A failure shows in the container's own output, and
      // `spawnOne` tells the tier, which then sees one container fewer.
      this.spawnOne().catch(() => undefined);
    }
    if (this.owed === 0) return;
    this.owedTimer = setTimeout(() => {
      this.owedTimer = undefined;
      this.startOwed();
    }, this.restarts[0]! + limit.windowMs - now);
    // A replacement to come must not keep this process alive on its own.
    this.owedTimer.unref();
  }
}

/** Reads stdout lines until the ready line; resolves with the port it names. */
function waitForReady(child: ChildProcess, timeoutMs: number, onLine: (line: string) => void, stderrTail: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    let ready = false;
    const lines = createInterface({ input: child.stdout! });
    const fail = (why: string): void => {
      cleanup();
      reject(new Error(`container pid ${child.pid ?? '?'} did not start: ${why}${stderrTail.length ? `\n${stderrTail.join('\n')}` : ''}`));
    };
    const onExit = (code: number | null, signal: string | null): void => fail(`it exited (${signal ?? `code ${code}`})`);
    const onError = (error: Error): void => fail(error.message);
    const timer = setTimeout(() => fail(`no ready line within ${timeoutMs} ms`), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    lines.on('line', (line) => {
      const readyLine = ready ? undefined : parseReadyLine(line);
      if (!readyLine) return onLine(line);
      ready = true;
      cleanup();
      resolve(readyLine.port);
    });
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** SIGTERM, then SIGKILL if it has not exited within a second. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // Referenced until it is gone: a warm container is unref'd, and without this a program whose last
    // act is `await close()` could exit (unsettled top-level await) between the SIGKILL and the exit.
    child.ref();
    const timer = setTimeout(() => child.kill('SIGKILL'), 1_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Every container process of this process, killed when it exits (one handler for all providers). */
const running = new Set<ChildProcess>();
let exitHandler = false;

function trackForExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHandler) return;
  exitHandler = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}
