import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path, { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError, type DataEof } from '@remote-agent/contracts';
import { emptyTally, packFolder } from './archive.js';
import { StagedArtifact, type StagingOptions } from './staging.js';
import { makeTempDir, recordingMapper } from './temp-dir.test.util.js';

const SHA = '0'.repeat(64);

function eof(format: DataEof['format'], size: number): DataEof {
  return { format, size, sha256: SHA };
}

async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<RemoteAgentError> {
  const err = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RemoteAgentError, `expected a RemoteAgentError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}

describe('StagedArtifact', () => {
  let dir: string;
  let remove: () => Promise<void>;
  const { errorFor } = recordingMapper();
  const options = (extra: Partial<StagingOptions> = {}): StagingOptions => ({ overwrite: false, createDirs: false, errorFor, ...extra });

  beforeEach(async () => ({ dir, remove } = await makeTempDir()));
  afterEach(() => remove());

  it('puts a received file in place only at finish, with the mode asked for, leaving no temporary file', async () => {
    const target = join(dir, 'out.sh');
    const staged = await StagedArtifact.create(target, options({ fileMode: 0o750 }));
    await staged.write(Buffer.from('echo '));
    await staged.write(Buffer.from('hi\n'));
    assert.equal(existsSync(target), false, 'nothing is visible before the bytes are verified');
    await staged.finish(eof('file', 8));
    assert.equal(await readFile(target, 'utf8'), 'echo hi\n');
    if (process.platform !== 'win32') assert.equal((await stat(target)).mode & 0o777, 0o750);
    assert.deepEqual(await readdir(dir), ['out.sh']);
    const content = staged.content();
    assert.deepEqual([content.type, content.files, content.fileBytes], ['file', 1, 8]);
  });

  it('unpacks a received folder and renames it into place', async () => {
    const src = join(dir, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'alpha');
    await writeFile(join(src, 'sub', 'b.txt'), 'beta');
    const target = join(dir, 'copy');
    const staged = await StagedArtifact.create(target, options({ expectedType: 'directory' }));
    let size = 0;
    for await (const chunk of packFolder(src, emptyTally())) {
      size += chunk.length;
      await staged.write(chunk);
    }
    await staged.finish(eof('tar', size));
    assert.equal(await readFile(join(target, 'sub', 'b.txt'), 'utf8'), 'beta');
    assert.deepEqual((await readdir(dir)).sort(), ['copy', 'src']);
    const content = staged.content();
    assert.deepEqual([content.type, content.files, content.directories, content.fileBytes], ['directory', 2, 1, 9]);
  });

  it('refuses an existing destination without overwrite, and replaces it with overwrite', async () => {
    const target = join(dir, 'x.txt');
    await writeFile(target, 'old');
    await rejectsWithCode(StagedArtifact.create(target, options()), ErrorCode.AlreadyExists);
    const staged = await StagedArtifact.create(target, options({ overwrite: true }));
    await staged.write(Buffer.from('new'));
    await staged.finish(eof('file', 3));
    assert.equal(await readFile(target, 'utf8'), 'new');
    assert.deepEqual(await readdir(dir), ['x.txt']);
  });

  it('leaves the destination as it was when the data is not what the request announced, and discard cleans up', async () => {
    const target = join(dir, 'keep.txt');
    await writeFile(target, 'original');
    const staged = await StagedArtifact.create(target, options({ overwrite: true, expectedType: 'file' }));
    await staged.write(Buffer.from('not a tar'));
    await rejectsWithCode(staged.finish(eof('tar', 9)), ErrorCode.BadRequest);
    await staged.discard();
    assert.equal(await readFile(target, 'utf8'), 'original');
    assert.deepEqual(await readdir(dir), ['keep.txt']);
  });

  it('needs createDirs for a missing folder, and creates it when allowed', async () => {
    const target = join(dir, 'a', 'b', 'f.txt');
    const err = await rejectsWithCode(StagedArtifact.create(target, options()), ErrorCode.NotFound);
    assert.match(err.message, /createDirs: true/);
    const staged = await StagedArtifact.create(target, options({ createDirs: true }));
    await staged.discard();
    assert.deepEqual(await readdir(join(dir, 'a', 'b')), []);
  });

  it('refuses the root of a file system', async () => {
    const err = await rejectsWithCode(StagedArtifact.create(path.parse(dir).root, options({ overwrite: true })), ErrorCode.BadRequest);
    assert.match(err.message, /root of a file system/);
  });

  it("reports file system failures through the caller's error mapper", async () => {
    const file = join(dir, 'plain.txt');
    await writeFile(file, 'x');
    const recorder = recordingMapper();
    const err = await rejectsWithCode(
      StagedArtifact.create(join(file, 'sub', 'f.txt'), { ...options({ createDirs: true }), errorFor: recorder.errorFor }),
      ErrorCode.Internal,
    );
    assert.match(err.message, /^test mapper: /);
    assert.equal(recorder.calls.length, 1);
    assert.ok(recorder.calls[0]!.target.startsWith(file), recorder.calls[0]!.target);
  });
});
