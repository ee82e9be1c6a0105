import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { fsError } from './errors.js';

const errno = (code: string) => Object.assign(new Error(`${code}: raw message`), { code });

describe('fsError', () => {
  const cases: Array<[string, ErrorCode, string]> = [
    ['ENOENT', ErrorCode.NotFound, 'no such file or folder'],
    ['EACCES', ErrorCode.PermissionDenied, 'permission denied'],
    ['EPERM', ErrorCode.PermissionDenied, 'permission denied'],
    ['EISDIR', ErrorCode.IsDirectory, 'it is a folder'],
    ['ENOTDIR', ErrorCode.NotDirectory, 'not a folder'],
    ['EEXIST', ErrorCode.AlreadyExists, 'already exists'],
    ['ENOTEMPTY', ErrorCode.Conflict, 'not empty'],
    ['EBUSY', ErrorCode.Conflict, 'in use'],
    ['EFBIG', ErrorCode.TooLarge, 'too large'],
    ['ABORT_ERR', ErrorCode.Cancelled, 'cancelled'],
  ];
  for (const [code, expected, words] of cases) {
    it(`maps ${code} to ${expected}, naming the path and the reason`, () => {
      const err = fsError(errno(code), 'read', '/data/report.csv');
      assert.equal(err.code, expected);
      assert.ok(err.message.includes('/data/report.csv'), err.message);
      assert.ok(err.message.includes(words), err.message);
      assert.deepEqual(err.details, { path: '/data/report.csv', errno: code });
    });
  }

  it('passes a RemoteAgentError through unchanged', () => {
    const original = new RemoteAgentError(ErrorCode.Conflict, 'stale');
    assert.equal(fsError(original, 'write', '/x'), original);
  });

  it('keeps an unknown error as INTERNAL with its message', () => {
    const err = fsError(errno('EWEIRD'), 'read', '/x');
    assert.equal(err.code, ErrorCode.Internal);
    assert.ok(err.message.includes('EWEIRD: raw message'));
  });
});
