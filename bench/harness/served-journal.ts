import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_JOURNAL_RETAIN, JOURNAL_FILE, Journal } from '@remote-agent/executor';
import { silentLogger } from '@remote-agent/transport';

/**
 * Gives a new executor's state folder the journal of one that has served as many `echo` runs as its
 * journal remembers (EXECUTOR_JOURNAL_RETAIN's default), written by the executor's own `Journal`. A
 * long-lived executor's journal is always full, and the latency rows' 1,600 calls would not fill an empty
 * one: started empty, the benchmark never measured the journal forgetting requests and rewriting its file,
 * and missed that it did so every 8 requests (bench/README.md, finding 4).
 */
export async function fillJournal(stateDir: string, requests: number = DEFAULT_JOURNAL_RETAIN): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const journal = new Journal({ file: join(stateDir, JOURNAL_FILE), retain: requests, logger: silentLogger });
  try {
    for (let i = 0; i < requests; i++) {
      const requestId = `served-${i}`;
      journal.accepted({ requestId, kind: 'run', daemonId: 'served-before', acceptedAt: Date.now() });
      journal.completed(requestId, {
        kind: 'run',
        outcome: 'exited',
        ok: true,
        exitCode: 0,
        signal: null,
        durationMs: 10,
        stdoutBytes: 19,
        stderrBytes: 0,
        chunks: 1,
      });
    }
  } finally {
    journal.close();
  }
}
