import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { isSameOrInside, resolveFsPath } from './paths.js';

describe('resolveFsPath', () => {
  it('resolves POSIX paths against the working folder and normalises them', () => {
    assert.equal(resolveFsPath('src/../lib/a.ts', '/work/repo', path.posix), '/work/repo/lib/a.ts');
    assert.equal(resolveFsPath('/etc//hosts', '/work/repo', path.posix), '/etc/hosts');
    assert.equal(resolveFsPath('.', '/work/repo', path.posix), '/work/repo');
  });

  it('resolves Windows paths with either separator, drive-relative to the working folder', () => {
    assert.equal(resolveFsPath('src/a.ts', 'C:\\work\\repo', path.win32), 'C:\\work\\repo\\src\\a.ts');
    assert.equal(resolveFsPath('D:/data\\x.bin', 'C:\\work', path.win32), 'D:\\data\\x.bin');
    assert.equal(resolveFsPath('\\temp\\y', 'C:\\work', path.win32), 'C:\\temp\\y');
    assert.equal(resolveFsPath('\\\\server\\share\\f.txt', 'C:\\work', path.win32), '\\\\server\\share\\f.txt');
  });

  it('refuses a Windows drive path on a POSIX executor, naming it', () => {
    assert.throws(
      () => resolveFsPath('C:\\Users\\me\\file.txt', '/work', path.posix),
      (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.BadRequest && err.message.includes('C:\\Users\\me\\file.txt'),
    );
  });
});

describe('path helpers', () => {
  it('isSameOrInside', () => {
    assert.equal(isSameOrInside('/a/b', '/a', path.posix), true);
    assert.equal(isSameOrInside('/a', '/a', path.posix), true);
    assert.equal(isSameOrInside('/ab', '/a', path.posix), false);
    assert.equal(isSameOrInside('/', '/a', path.posix), false);
    assert.equal(isSameOrInside('c:\\Work\\x', 'C:\\work', path.win32), true);
    assert.equal(isSameOrInside('D:\\work', 'C:\\work', path.win32), false);
  });
});
