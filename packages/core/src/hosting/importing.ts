/**
 * Which function module a host (a worker thread, child process or container of the runtime) is
 * importing, as seen from the code that import runs.
 *
 * A module that runs a program when it is imported (creates a runtime and invokes a workflow at
 * its top level) would run it again in every host that imports it to run one of its functions, and
 * those hosts' runtimes would start hosts of their own: the calls hung until the starts timed out.
 * The runtime refuses an invocation made while a function module is being imported
 * (`InvokedDuringImportError`), so the import, and the step that needed it, fail at once instead.
 *
 * The import is tracked with `AsyncLocalStorage`: the module's top level and its top-level awaits
 * see it, a function already running in the same host (which may invoke a workflow of its own) does not.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What code run by an import sees: the module, until the import is over. */
interface Importing {
  readonly module: string;
  done: boolean;
}

/**
 * One store and one count per thread, however many copies of this package the thread loaded (a
 * dist and a src, say): both are shared through the global object.
 */
const KEY = Symbol.for('faastlane.importingFunctionModule');
const shared = ((globalThis as { [KEY]?: { store: AsyncLocalStorage<Importing>; inFlight: number } })[KEY] ??= {
  store: new AsyncLocalStorage<Importing>(),
  inFlight: 0,
});

/**
 * Imports the module that declares a function, for a host that is to run it. The store is disabled
 * again once no import is under way: while enabled, `AsyncLocalStorage` hooks every promise of the
 * thread, and a host's calls are made of promises. A timer or socket the module set up keeps what
 * it saw: marked done, that no longer counts once the import is over, even while another one runs.
 */
export async function importFunctionModule(module: string): Promise<unknown> {
  const importing: Importing = { module, done: false };
  shared.inFlight++;
  try {
    return await shared.store.run(importing, () => import(module));
  } finally {
    importing.done = true;
    if (--shared.inFlight === 0) shared.store.disable();
  }
}

/** The function module being imported by the code that asks, if any. */
export function functionModuleBeingImported(): string | undefined {
  const importing = shared.store.getStore();
  return importing && !importing.done ? importing.module : undefined;
}
