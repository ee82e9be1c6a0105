import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const here = new URL('./heap-tuning.js', import.meta.url).href;

/** The young generation's size after allocation that survives scavenges, in a fresh process. */
function youngGenerationMiB(tuned: boolean): { mib: number; output: string } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { tuneHeapForStreaming } from ${JSON.stringify(here)};
    if (${tuned}) tuneHeapForStreaming();
    let kept = [];
    for (let i = 0; i < 2e6; i++) {
      kept.push({ i, s: 'x' + i });
      if (kept.length > 50000) kept = [];
    }
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(young.space_size / 1048576);
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const output = `${run.stdout}${run.stderr}`;
  return { mib: Number(run.stdout.trim().split('\n').at(-1)), output };
}

describe('tuneHeapForStreaming', () => {
  it('keeps the young generation from growing where it otherwise would, and this V8 knows the flag', () => {
    const plain = youngGenerationMiB(false);
    const tuned = youngGenerationMiB(true);
    assert.doesNotMatch(tuned.output, /unrecognized flag/i, 'V8 no longer has --semi-space-growth-factor: find its successor');
    assert.ok(plain.mib > tuned.mib, `young generation ${plain.mib} MiB untuned, ${tuned.mib} MiB tuned`);
  });
});
