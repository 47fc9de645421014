/**
 * Entry script of a `DomainHostPool` child process: the supervised home of the runtime's
 * `isolation: 'domain'` functions, each running in its own protection domain of this process.
 *
 * A fatal protection-key fault (plain code touching another domain's heap) kills this process; the
 * addon first reports it on the fault-report pipe, so that the pool can tell the runtime which step
 * touched which domain's memory.
 */
import { reportFaultsTo } from '@faastlane/native-mpk';
import { domainRunner } from '../domains/domain-runner.js';
import { DomainManager } from '../domains/manager.js';
import { FunctionHost } from '../hosting/function-host.js';
import { serveOverIpc } from './ipc-host.js';
import { FAULT_REPORT_FD } from './process-pool.js';

reportFaultsTo(FAULT_REPORT_FD);
serveOverIpc('domain-host-main.js', new FunctionHost(domainRunner(new DomainManager())));
