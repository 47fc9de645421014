/**
 * The container process: `node dist/containers/container-main.js [options]` serves the container
 * protocol (CONTAINER-PROTOCOL.md) over HTTP and prints one ready line (JSON, see `ReadyLine`) on
 * stdout once it listens. The same file is the entry of a container image for a remote provider.
 *
 * Options (each also read from an environment variable, for images):
 *   --host H            FAASTLANE_HOST          interface to listen on (default 127.0.0.1)
 *   --port N            FAASTLANE_PORT / PORT   port, 0 for any free one (default 0)
 *   --concurrency N     FAASTLANE_CONCURRENCY   /run calls at once (default 1)
 *   --allow PREFIX      FAASTLANE_ALLOW         module URL prefix a client may load (repeatable; comma-separated in the variable)
 *   --exit-with-stdin                           exit when stdin closes: set by a parent that starts it, so that
 *                                               it goes when its parent goes, even one killed with SIGKILL
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { ReadyLine } from './protocol.js';
import { ContainerServer } from './server.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      concurrency: { type: 'string' },
      allow: { type: 'string', multiple: true },
      'exit-with-stdin': { type: 'boolean' },
    },
  });
  const env = process.env;
  const allow = values.allow ?? env.FAASTLANE_ALLOW?.split(',').filter(Boolean) ?? [];
  const server = await ContainerServer.start({
    host: values.host ?? env.FAASTLANE_HOST ?? '127.0.0.1',
    port: toNumber(values.port ?? env.FAASTLANE_PORT ?? env.PORT, 0),
    concurrency: toNumber(values.concurrency ?? env.FAASTLANE_CONCURRENCY, 1),
    vcpus: await probeVcpus(),
    allowedModules: allow,
  });

  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    // Exit even if a runaway function keeps the loop busy or a socket open.
    setTimeout(() => process.exit(code), 1_000).unref();
    void server.close().finally(() => process.exit(code));
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  if (values['exit-with-stdin']) {
    process.stdin.on('end', () => stop(0));
    process.stdin.on('error', () => stop(0));
    process.stdin.resume();
  }

  const { host, port } = server.address;
  const ready: ReadyLine = { faastlane: 'container', ready: true, host, port, pid: process.pid };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

/** The vCPUs the planner would see (cgroup quota included); the OS count if the probe cannot load. */
async function probeVcpus(): Promise<number> {
  try {
    // Imported lazily: the probe also asks the MPK addon, which a container does not otherwise need.
    const { probeMachine } = await import('../planner/machine.js');
    return probeMachine().vcpus;
  } catch {
    return availableParallelism();
  }
}

function toNumber(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && text !== '' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

main().catch((error: unknown) => {
  process.stderr.write(`faastlane container failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
