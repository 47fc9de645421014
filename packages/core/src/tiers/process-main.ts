/**
 * Entry script of a `ProcessPool` child process: a `FunctionHost` that answers the pool's calls over
 * the IPC channel (v8 serialisation, so buffers are copied).
 */
import { serveOverIpc } from './ipc-host.js';

serveOverIpc('process-main.js');
