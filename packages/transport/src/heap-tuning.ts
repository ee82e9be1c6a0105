import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation near its starting size instead of letting it double up to 16 MiB
 * semi-spaces. A process that streams bulk bytes (executor, relay, daemon) makes a little short-lived
 * garbage for every chunk, and a large young generation spreads that garbage over tens of MiB that push
 * the chunk bytes out of the CPU caches between the socket read, the frame copy and the output log write.
 *
 * Measured on this project's bench (`node bench/dist/main.js --only throughput`, A/B rounds in one sitting):
 * executor CPU per streamed MiB 6.4-8.3 ms without, 4.2-5.0 ms with; its GC time fell to a third.
 *
 * The growth factor is a heuristic V8 reads at each scavenge, so setting it after start-up takes effect;
 * the semi-space size limits are fixed when the heap is made and could only be given on the command line.
 */
export function tuneHeapForStreaming(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
