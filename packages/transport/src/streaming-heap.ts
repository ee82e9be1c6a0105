/**
 * V8 heap settings a process that streams bulk bytes (executor, relay, daemon) needs from its start.
 *
 * `--initial-old-space-size` sets a floor under the old generation's limit. V8 sizes that limit by how fast
 * it saw old objects being allocated; after a quiet spell (an idle executor, a run of short commands) it
 * keeps the limit about 9 MB above the live heap. The ArrayBuffers a stream goes through (socket reads,
 * chunks, frames) count towards that limit while they wait for a collection, though not towards the rate
 * V8 sizes it by, so from then on every 9 MB or so of streamed chunks started a full collection that
 * freed almost nothing: 20-60 per executor and 60-110 in the relay while six 64 MiB streams ran. With a
 * 64 MB floor: 1-8 per executor and 3 in the relay, and the stream at 0.78-0.79 of the raw WebSocket pipe
 * instead of 0.48-0.52 (bench/README.md, finding 3). An idle process allocates almost nothing, so it does
 * not grow towards the floor.
 *
 * V8 reads the flag only when it makes the heap, so it has to be on the command line.
 */
export const STREAMING_HEAP_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

/** What `relaunchWithStreamingHeap` reads of the running process; `process` itself in the CLIs. */
export interface RelaunchableProcess {
  execPath: string;
  execArgv: readonly string[];
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Absent on Windows (and before Node.js 22.15). */
  execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never;
  stderr: { write(text: string): unknown };
}

/**
 * Replaces this process with the same Node.js, script, arguments and environment plus `flags`
 * (STREAMING_HEAP_FLAGS unless a caller with other needs, the benchmark's harness, gives its own). The process keeps its pid and standard streams, so a service manager, a parent
 * waiting for it and a terminal all see one process. Returns (and the process runs on as it is) when it
 * already has the flags, or a setting of its own for the same V8 option, or where `execve` does not exist:
 * Windows, where streams then pay the collections described above.
 *
 * Call it before importing anything heavy: the code loaded before the call is loaded twice. If execve(2)
 * itself fails, the process runs on without the flags where Node.js reports the failure (newer versions
 * throw), and ends where it aborts (earlier ones).
 */
export function relaunchWithStreamingHeap(proc: RelaunchableProcess = process, flags: readonly string[] = STREAMING_HEAP_FLAGS): void {
  const missing = flags.filter((flag) => !hasOption(proc.execArgv, optionName(flag)));
  if (missing.length === 0 || typeof proc.execve !== 'function') return;
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(proc.env)) if (value !== undefined) env[name] = value;
  try {
    proc.execve(proc.execPath, [proc.execPath, ...missing, ...proc.execArgv, ...proc.argv.slice(1)], env);
  } catch (err) {
    // Newer Node.js throws when execve(2) fails (out of memory, say) and leaves the process as it was:
    // better to run without the flags than not at all.
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    proc.stderr.write(`could not restart Node.js with ${missing.join(' ')} (${reason}); running without\n`);
  }
}

function optionName(flag: string): string {
  return flag.split('=')[0]!;
}

/** V8 takes `--a-b` and `--a_b` alike. */
function hasOption(execArgv: readonly string[], name: string): boolean {
  const wanted = name.replaceAll('_', '-');
  return execArgv.some((arg) => optionName(arg).replaceAll('_', '-') === wanted);
}
