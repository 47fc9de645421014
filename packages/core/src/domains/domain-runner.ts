import type { FunctionRunner } from '../hosting/function-host.js';
import type { DomainManager } from './manager.js';
import { PLAIN_HEAP } from './heaps.js';

/**
 * How the domain host runs its functions: an `isolation: 'domain'` function inside its own protection
 * domain (created when it is loaded, so that the keys are held before its first call), with its
 * protected heap as `ctx.heap` and the shared heap as `ctx.shared`; any other function directly.
 */
export function domainRunner(domains: DomainManager): FunctionRunner {
  const runner: FunctionRunner = (definition, ctx, run) =>
    definition.spec.isolation === 'domain' ? domains.run(definition.spec.name, ctx.stepPath, run) : run(PLAIN_HEAP, PLAIN_HEAP);
  runner.prepare = (definition) => {
    if (definition.spec.isolation === 'domain') domains.prepare(definition.spec.name);
  };
  return runner;
}
