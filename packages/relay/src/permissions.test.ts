import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGroupPattern, Permissions } from './permissions.js';

function matches(pattern: string, group: string): boolean {
  const re = compileGroupPattern(pattern);
  assert.ok(re, `${pattern} compiles`);
  return re.test(group);
}

test("wildcard patterns follow the service's documented examples", () => {
  const table: Array<[string, string[], string[]]> = [
    ['chat-*', ['chat-1', 'chat-room', 'chat-'], ['chat.1', 'xchat-1']],
    ['clientA.*', ['clientA.alpha', 'clientA.1'], ['clientA.alpha.room1', 'clientB.alpha']],
    ['clientA.**', ['clientA.alpha', 'clientA.alpha.room1'], ['clientB.anything', 'clientA']],
    ['clientA.rooms.?1', ['clientA.rooms.a1', 'clientA.rooms.11'], ['clientA.rooms.1', 'clientA.rooms.a.1']],
    ['literal\\*star', ['literal*star'], ['literalXstar']],
    ['a\\?b\\\\c', ['a?b\\c'], ['axb\\c']],
    ['ra.(x)+[y]', ['ra.(x)+[y]'], ['ra.x']],
  ];
  for (const [pattern, yes, no] of table) {
    for (const g of yes) assert.ok(matches(pattern, g), `${pattern} matches ${g}`);
    for (const g of no) assert.ok(!matches(pattern, g), `${pattern} does not match ${g}`);
  }
});

test('invalid patterns grant nothing: too many stars, bad escapes, empty', () => {
  assert.equal(compileGroupPattern('a*b*c*d*e*f*'), null);
  assert.ok(compileGroupPattern('a*b*c*d*e*f'));
  assert.equal(compileGroupPattern('a.**.**.**'), null);
  assert.ok(compileGroupPattern('a.**.**.*'));
  assert.equal(compileGroupPattern('a\\b'), null);
  assert.equal(compileGroupPattern('trailing\\'), null);
  assert.equal(compileGroupPattern(''), null);
});

test('literal, any-group and pattern roles; join and send are separate', () => {
  const p = Permissions.fromRoles([
    'webpubsub.joinLeaveGroup.ra.discovery',
    'webpubsub.sendToGroup.ra.presence',
    'webpubsub.sendToGroups.ra.daemon.**',
    'webpubsub.joinLeaveGroups.team.*',
    'something.else',
  ]);
  assert.ok(p.canJoinLeave('ra.discovery'));
  assert.ok(!p.canSend('ra.discovery'));
  assert.ok(p.canSend('ra.presence'));
  assert.ok(!p.canJoinLeave('ra.presence'));
  assert.ok(p.canSend('ra.daemon.d1'));
  assert.ok(p.canSend('ra.daemon.d.1'));
  assert.ok(!p.canSend('ra.exec.e1'));
  assert.ok(p.canJoinLeave('team.a'));
  assert.ok(!p.canJoinLeave('team.a.b'));

  const all = Permissions.fromRoles(['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup']);
  assert.ok(all.canJoinLeave('anything') && all.canSend('anything.at.all'));

  const none = Permissions.fromRoles(['webpubsub.sendToGroup.', 'webpubsub.joinLeaveGroupx']);
  assert.ok(!none.canSend('') && !none.canSend('x') && !none.canJoinLeave('x'));
});

test('a plural role is not mistaken for a literal group named "s.<pattern>"', () => {
  const p = Permissions.fromRoles(['webpubsub.sendToGroups.ra.*']);
  assert.ok(p.canSend('ra.x'));
  assert.ok(!p.canSend('s.ra.*'));
});
