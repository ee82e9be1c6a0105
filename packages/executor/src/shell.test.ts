import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeShell, resolveShell, shellInvocation } from './shell.js';

describe('shell', () => {
  test('POSIX runs the command line with /bin/sh -c', () => {
    const shell = resolveShell('darwin', undefined, undefined);
    assert.equal(describeShell(shell), '/bin/sh -c');
    assert.deepEqual(shellInvocation(shell, 'echo "a b"'), {
      file: '/bin/sh',
      args: ['-c', 'echo "a b"'],
      windowsVerbatimArguments: false,
    });
  });

  test('Windows uses cmd.exe /d /s /c with the command quoted verbatim', () => {
    const shell = resolveShell('win32', undefined, undefined);
    assert.deepEqual(shellInvocation(shell, 'dir "C:\\Program Files"'), {
      file: 'cmd.exe',
      args: ['/d', '/s', '/c', '"dir "C:\\Program Files""'],
      windowsVerbatimArguments: true,
    });
    assert.equal(resolveShell('win32', 'C:\\Windows\\System32\\CMD.EXE', undefined).style, 'cmd');
  });

  test('EXECUTOR_SHELL picks its arguments by the shell it names', () => {
    assert.deepEqual(resolveShell('linux', undefined, '/bin/bash').args, ['-c']);
    assert.equal(resolveShell('win32', undefined, 'pwsh.exe').style, 'powershell');
    assert.deepEqual(shellInvocation(resolveShell('linux', undefined, 'pwsh'), 'Get-Date').args.slice(-2), ['-Command', 'Get-Date']);
  });
});
