import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isFilesystemRoot } from './paths.js';

describe('isFilesystemRoot', () => {
  it('is true only for the root of a volume, on either platform', () => {
    assert.equal(isFilesystemRoot('/', path.posix), true);
    assert.equal(isFilesystemRoot('/tmp', path.posix), false);
    assert.equal(isFilesystemRoot('C:\\', path.win32), true);
    assert.equal(isFilesystemRoot('\\\\server\\share\\', path.win32), true);
    assert.equal(isFilesystemRoot('C:\\Windows', path.win32), false);
  });
});
