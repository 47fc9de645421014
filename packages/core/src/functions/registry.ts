import type { FnDefinition } from './definition.js';

/**
 * Every function declared in this thread, by module URL and function name.
 *
 * A worker thread, a child process or a container imports the module that declares a function; the
 * module's `@Fn` decorators then record the class here, where the host finds it (exported or not).
 * The map lives on `globalThis` under a registered symbol so that every copy of the SDK loaded in one
 * thread shares it.
 */
const REGISTRY = Symbol.for('faastlane.fn.registry');

type Registry = Map<string, FnDefinition>;

function registry(): Registry {
  const holder = globalThis as unknown as Record<typeof REGISTRY, Registry | undefined>;
  return (holder[REGISTRY] ??= new Map());
}

const key = (module: string, name: string): string => `${module}#${name}`;

/** Records a definition under its module and name (the latest declaration wins). */
export function registerFunction(definition: FnDefinition): void {
  if (definition.spec.module) registry().set(key(definition.spec.module, definition.spec.name), definition);
}

/** The definition declared under `name` by the module at `module`, if that module has been imported. */
export function lookupFunction(module: string, name: string): FnDefinition | undefined {
  return registry().get(key(module, name));
}
