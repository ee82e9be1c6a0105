import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { test } from 'node:test';
import { loginShell } from './login-shell.js';

test("the login shell runs a command as sshd would: the user's shell, in the home folder, with SSH_CLIENT set", { skip: process.platform === 'win32' && 'no POSIX login shell' }, async (t) => {
  const shell = loginShell({ LANG: 'C.UTF-8' });
  if (shell === null) return t.skip('this account has no login shell');
  const r = await shell.run('printf "@@%s|%s|%s" "$SSH_CLIENT" "$PWD" "$LANG"');
  assert.equal(r.code, 0);
  // What the user's rc files print comes before the marker.
  const [client, cwd, lang] = r.stdout.slice(r.stdout.lastIndexOf('@@') + 2).split('|');
  assert.match(client ?? '', /^127\.0\.0\.1 \d+ 22$/);
  assert.equal(cwd, homedir());
  assert.equal(lang, 'C.UTF-8');
});
