// Starts worker threads that call into the addon without pause, and terminates each in the middle of
// it, `rounds` times (argv[2]). A call cut short by the termination fails inside the addon while the
// worker's JS can no longer run; that failure must not end this process. Prints "survived <rounds>".
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

if (isMainThread) {
  // Without the addon no call reaches native code, and the run would prove nothing.
  const { addonStatus } = await import('../dist/index.js');
  const status = addonStatus();
  if (!status.loaded) {
    console.error(`the native addon is not loaded: ${status.reason}`);
    process.exit(2);
  }
  const rounds = Number(process.argv[2] ?? 60);
  for (let round = 0; round < rounds; round++) {
    const worker = new Worker(new URL(import.meta.url), { workerData: round % 2 === 0 ? 'capabilities' : 'createDomain' });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
    await worker.terminate();
  }
  console.log(`survived ${rounds}`);
} else {
  const mpk = await import('../dist/index.js');
  parentPort.postMessage('calling');
  for (;;) {
    // Where the CPU has no PKU, createDomain throws MpkUnavailableError from native code: the error
    // path is what broke.
    if (workerData === 'capabilities') mpk.capabilities();
    else {
      try {
        mpk.createDomain('t').close();
      } catch {
        // expected without PKU
      }
    }
  }
}
