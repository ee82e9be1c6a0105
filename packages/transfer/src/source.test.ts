import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { openArtifactSource } from './source.js';
import { makeTempDir, recordingMapper } from './temp-dir.test.util.js';

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

describe('openArtifactSource', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await makeTempDir()));
  afterEach(() => remove());

  it('opens a file as its bytes, with its size and permission bits', async () => {
    const file = join(dir, 'run.sh');
    await writeFile(file, 'echo hi\n');
    await chmod(file, 0o755);
    const artifact = await openArtifactSource(file, recordingMapper());
    assert.equal(artifact.type, 'file');
    assert.equal(artifact.source.format, 'file');
    assert.equal(artifact.source.total, 8);
    if (process.platform !== 'win32') assert.equal(artifact.mode, 0o755);
    assert.equal((await readAll(artifact.source.open())).toString(), 'echo hi\n');
    assert.deepEqual([artifact.tally().files, artifact.tally().fileBytes], [1, 8]);
  });

  it('opens a folder as a tar stream whose tally is that of the last read', async () => {
    const folder = join(dir, 'f');
    await mkdir(join(folder, 'sub'), { recursive: true });
    await writeFile(join(folder, 'sub', 'a.txt'), 'abc');
    const artifact = await openArtifactSource(folder, recordingMapper());
    assert.deepEqual([artifact.type, artifact.source.format, artifact.mode], ['directory', 'tar', null]);
    const first = await readAll(artifact.source.open());
    const second = await readAll(artifact.source.open());
    assert.ok(first.equals(second));
    assert.deepEqual([artifact.tally().files, artifact.tally().directories, artifact.tally().fileBytes], [1, 1, 3]);
  });

  it("words a missing path with the caller's error mapper", async () => {
    const recorder = recordingMapper();
    const missing = join(dir, 'nope');
    const err = await openArtifactSource(missing, recorder).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RemoteAgentError);
    assert.equal(err.code, ErrorCode.Internal);
    assert.deepEqual(recorder.calls, [{ action: 'read', target: missing, code: 'ENOENT' }]);
  });
});
