import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { ArtifactRoots } from './roots.js';

const canSymlink = process.platform !== 'win32';

function refused(code: string, pattern: RegExp) {
  return (err: unknown) => err instanceof RemoteAgentError && err.code === code && pattern.test(err.message);
}

describe('artifact roots', () => {
  let base: string;
  let rootA: string;
  let rootB: string;
  let roots: ArtifactRoots;
  beforeEach(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'ra-roots-')));
    rootA = join(base, 'a');
    rootB = join(base, 'b');
    roots = new ArtifactRoots([rootA, rootB]);
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('resolves relative paths under the first root and accepts any root, creating roots on first use', async () => {
    const dest = await roots.forWriting('out/new.bin');
    assert.equal(dest.path, join(rootA, 'out', 'new.bin'));
    assert.equal(dest.root, rootA);
    await writeFile(join(rootB, 'x.txt'), 'x');
    await writeFile(join(rootB, '..dots'), 'a name that starts with two dots is still inside');
    assert.equal((await roots.forReading(join(rootB, '..dots'))).root, rootB);
    assert.equal((await roots.forReading(join(rootB, 'x.txt'))).real, join(rootB, 'x.txt'));
  });

  it('refuses paths outside every root, naming the roots', async () => {
    await assert.rejects(roots.forReading('/etc/passwd'), refused(ErrorCode.Forbidden, new RegExp(`outside the artifact roots \\(${rootA}, ${rootB}\\)`)));
    await assert.rejects(roots.forWriting('../escape.txt'), refused(ErrorCode.Forbidden, /outside the artifact roots/));
    await assert.rejects(roots.forWriting(rootA), refused(ErrorCode.BadRequest, /artifact root itself/));
    await assert.rejects(roots.forReading('missing.txt'), refused(ErrorCode.NotFound, /missing\.txt/));
  });

  it('never follows a link out of a root, reading or writing', { skip: !canSymlink }, async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 's');
    await mkdir(rootA, { recursive: true });
    await symlink(outside, join(rootA, 'door'));
    await symlink(join(outside, 'secret.txt'), join(rootA, 'secret-link'));
    await assert.rejects(roots.forReading('door/secret.txt'), refused(ErrorCode.Forbidden, /through a symbolic link/));
    await assert.rejects(roots.forReading('secret-link'), refused(ErrorCode.Forbidden, /through a symbolic link/));
    await assert.rejects(roots.forWriting('door/new/file.txt'), refused(ErrorCode.Forbidden, /through a symbolic link/));
    await assert.rejects(roots.forWriting('secret-link'), refused(ErrorCode.Forbidden, /is a symbolic link/));
    await writeFile(join(rootA, 'inside.txt'), 'i');
    await symlink(join(rootA, 'inside.txt'), join(rootA, 'inner-link'));
    assert.equal((await roots.forReading('inner-link')).real, join(rootA, 'inside.txt'), 'a link that stays inside is fine');
  });
});
