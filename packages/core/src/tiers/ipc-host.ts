/**
 * The body of a child-process host entry (`process-main.js`, `domain-host-main.js`): serves a
 * `FunctionHost` over the IPC channel of `child_process.fork` (v8 serialisation, so buffers are copied).
 */
import { FunctionHost } from '../hosting/function-host.js';
import { toWireError } from '../hosting/wire.js';
import { serveHost } from './host-loop.js';
import type { FromHost, ToHost } from './protocol.js';

/** Exit code of a host that died of an uncaught exception (after telling its parent why). */
const EXIT_UNCAUGHT = 70;

/** Serves `host` to the parent that forked this process; `entry` names the script in the error when there is none. */
export function serveOverIpc(entry: string, host: FunctionHost = new FunctionHost()): void {
  const send = process.send?.bind(process);
  if (!send) {
    console.error(`${entry} is the entry of a child process started by a pool (child_process.fork)`);
    process.exit(2);
  }

  // A child never outlives its parent: when the parent goes (closes the pool, exits, or is killed),
  // the IPC channel disconnects.
  process.on('disconnect', () => process.exit(0));

  // Tell the parent why this process dies before it does, so that the crash error names the cause
  // (a worker's parent gets the error itself; a process's parent only sees an exit code).
  process.on('uncaughtException', (error) => {
    setTimeout(() => process.exit(EXIT_UNCAUGHT), 1_000).unref();
    try {
      send({ type: 'fatal', error: toWireError(error) } satisfies FromHost, () => process.exit(EXIT_UNCAUGHT));
    } catch {
      process.exit(EXIT_UNCAUGHT);
    }
  });

  serveHost(
    {
      post: (message) => {
        send(message);
      },
      listen: (handler) => process.on('message', (message) => handler(message as ToHost)),
    },
    host,
  );
}
