import type { FnContext, FnDefinition, FnHeap, FnInstance } from '../functions/definition.js';
import { lookupFunction } from '../functions/registry.js';
import { PLAIN_HEAP } from '../domains/heaps.js';
import { fnKey, wallClock, type FnRef, type WireSpan, type WireContext } from './wire.js';
import { importFunctionModule } from './importing.js';

/**
 * Runs declared functions by reference in whatever thread or process it lives in: imports the
 * module that declares a function (its `@Fn` decorators register the class), keeps one instance
 * per function (warm, like a FaaS container), and calls `run(input, ctx)`.
 *
 * Worker threads, child processes and containers each hold one. Input validation is not repeated
 * here: the caller validated the input before sending it.
 */
export class FunctionHost {
  private readonly instances = new Map<string, Promise<Loaded>>();
  /** Keys (`module#name`) of the functions whose load has succeeded. */
  private readonly ready = new Set<string>();

  /** @param runner how a call runs (default: directly, both heaps ordinary memory). */
  constructor(private readonly runner: FunctionRunner = runDirectly) {}

  /** Loads a function ahead of its first call: imports its module (its instance is made at that call). */
  load(fn: FnRef): Promise<Loaded> {
    const key = fnKey(fn);
    let instance = this.instances.get(key);
    if (!instance) {
      instance = this.create(fn);
      this.instances.set(key, instance);
      // A failed load is retried on the next call rather than cached forever.
      instance.catch(() => this.instances.delete(key));
    }
    return instance;
  }

  /** The functions loaded so far (`module#name`), by `load` or by a call. */
  loadedFunctions(): string[] {
    return [...this.ready];
  }

  /**
   * Calls a function: its output, and when it ran here (stamped around the call alone, so that a cold
   * import is not counted as the function's time). `signal` fires when the caller cancels or the step times out.
   */
  async call(fn: FnRef, input: unknown, ctx: WireContext, signal: AbortSignal): Promise<HostedCall> {
    const loaded = await this.load(fn);
    const start = wallClock();
    // The instance is made inside the runner too: a domain function's constructor is its own code,
    // and runs in its domain like `run`.
    const output = await this.runner(loaded.definition, ctx, (heap, shared) => loaded.instance().run(input as never, { ...ctx, signal, heap, shared } satisfies FnContext));
    return { output, ran: { start, end: wallClock() } };
  }

  private async create(fn: FnRef): Promise<Loaded> {
    await importFunctionModule(fn.module);
    const definition = lookupFunction(fn.module, fn.name);
    if (!definition) {
      throw new Error(`function "${fn.name}" is not declared by ${fn.module} (no @Fn class of that name was registered when it was imported)`);
    }
    await this.runner.prepare?.(definition);
    this.ready.add(fnKey(fn));
    let instance: FnInstance<unknown> | undefined;
    return { definition, instance: () => (instance ??= new definition.cls() as FnInstance<unknown>) };
  }
}

/** What `FunctionHost.call` returns: the function's output and its span where it ran. */
export interface HostedCall {
  readonly output: unknown;
  readonly ran: WireSpan;
}

/** A loaded function: its definition and its one warm instance (made at its first call). */
export interface Loaded {
  readonly definition: FnDefinition;
  instance(): FnInstance<unknown>;
}

/**
 * Runs one call of a function: calls `run` with the heaps its `ctx.heap` and `ctx.shared` should be.
 * The domain host's runner enters the function's protection domain around it.
 */
export interface FunctionRunner {
  (definition: FnDefinition, ctx: WireContext, run: (heap: FnHeap, shared: FnHeap) => unknown): unknown;
  /** Called once when a function is loaded, before its first call (a domain runner creates its domain). */
  prepare?(definition: FnDefinition): void | Promise<void>;
}

/** Outside a protection domain (a worker, a child process, a container) both heaps are ordinary memory. */
const runDirectly: FunctionRunner = (_definition, _ctx, run) => run(PLAIN_HEAP, PLAIN_HEAP);
