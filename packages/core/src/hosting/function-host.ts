import type { FnContext, FnInstance } from '../functions/definition.js';
import { lookupFunction } from '../functions/registry.js';
import { PLAIN_HEAP } from '../domains/heaps.js';
import type { FnRef, WireContext } from './wire.js';

/**
 * Runs declared functions by reference in whatever thread or process it lives in: imports the
 * module that declares a function (its `@Fn` decorators register the class), keeps one instance
 * per function (warm, like a FaaS container), and calls `run(input, ctx)`.
 *
 * Worker threads, child processes and containers each hold one. Input validation is not repeated
 * here: the caller validated the input before sending it.
 */
export class FunctionHost {
  private readonly instances = new Map<string, Promise<FnInstance<unknown>>>();

  /** Loads a function ahead of its first call (imports its module, creates its instance). */
  load(fn: FnRef): Promise<FnInstance<unknown>> {
    const key = `${fn.module}#${fn.name}`;
    let instance = this.instances.get(key);
    if (!instance) {
      instance = this.create(fn);
      this.instances.set(key, instance);
      // A failed load is retried on the next call rather than cached forever.
      instance.catch(() => this.instances.delete(key));
    }
    return instance;
  }

  /** Calls a function. `signal` fires when the caller cancels or the step times out. */
  async call(fn: FnRef, input: unknown, ctx: WireContext, signal: AbortSignal): Promise<unknown> {
    const instance = await this.load(fn);
    // Outside a protection domain (a worker, a child process, a container) both heaps are ordinary memory.
    const context: FnContext = { ...ctx, signal, heap: PLAIN_HEAP, shared: PLAIN_HEAP };
    return instance.run(input as never, context);
  }

  private async create(fn: FnRef): Promise<FnInstance<unknown>> {
    await import(fn.module);
    const definition = lookupFunction(fn.module, fn.name);
    if (!definition) {
      throw new Error(`function "${fn.name}" is not declared by ${fn.module} (no @Fn class of that name was registered when it was imported)`);
    }
    return new definition.cls() as FnInstance<unknown>;
  }
}
