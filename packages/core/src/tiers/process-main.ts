/**
 * Entry script of a `ProcessPool` child process: a `FunctionHost` that answers the pool's calls over
 * the IPC channel (v8 serialisation, so buffers are copied).
 */
import { toWireError } from '../hosting/wire.js';
import { serveHost } from './host-loop.js';
import type { FromHost, ToHost } from './protocol.js';

const send = process.send?.bind(process);
if (!send) {
  console.error('process-main.js is the entry of a child process started by ProcessPool (child_process.fork)');
  process.exit(2);
}

// A child never outlives its parent: when the parent goes (closes the pool, exits, or is killed),
// the IPC channel disconnects.
process.on('disconnect', () => process.exit(0));

// Tell the parent why this process dies before it does, so that the crash error names the cause
// (a worker's parent gets the error itself; a process's parent only sees an exit code).
const EXIT_UNCAUGHT = 70;
process.on('uncaughtException', (error) => {
  setTimeout(() => process.exit(EXIT_UNCAUGHT), 1_000).unref();
  try {
    send({ type: 'fatal', error: toWireError(error) } satisfies FromHost, () => process.exit(EXIT_UNCAUGHT));
  } catch {
    process.exit(EXIT_UNCAUGHT);
  }
});

serveHost({
  post: (message) => {
    send(message);
  },
  listen: (handler) => process.on('message', (message) => handler(message as ToHost)),
});
