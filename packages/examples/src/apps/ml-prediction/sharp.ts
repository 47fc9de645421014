/**
 * sharp, as this application uses it: with libvips working on up to as many threads as the machine
 * has (at most 4). sharp itself starts libvips with one thread where glibc's allocator is in use (as
 * on this project's Linux machines), to spare memory; for these small images more threads are
 * faster: `Resize` took 4.1-4.7 ms with one and 2.9-3.5 ms with two on a 2-vCPU machine (median of
 * 300 calls). Every mode runs the same functions with the same setting.
 */
import { availableParallelism } from 'node:os';
import sharp from 'sharp';

sharp.concurrency(Math.min(4, availableParallelism()));

export { sharp };
