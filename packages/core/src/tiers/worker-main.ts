/**
 * Entry script of a `WorkerPool` worker thread: a `FunctionHost` that answers the pool's calls on
 * `parentPort`, moving the buffers of every output back to the caller.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { serveHost } from './host-loop.js';
import type { ToHost } from './protocol.js';

if (isMainThread || !parentPort) throw new Error('worker-main.js is the entry of a worker thread started by WorkerPool');
const port = parentPort;

serveHost({
  post: (message, transfer) => port.postMessage(message, transfer as ArrayBuffer[]),
  listen: (handler) => port.on('message', (message: ToHost) => handler(message)),
});
