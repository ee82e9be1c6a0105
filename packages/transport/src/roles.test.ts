import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupsAtConnect, rolesFor } from './roles.js';

test('an executor may join discovery and its own group, and send to presence and any daemon', () => {
  assert.deepEqual(rolesFor('executor', 'gpu-1'), [
    'webpubsub.joinLeaveGroup.ra.discovery',
    'webpubsub.joinLeaveGroup.ra.exec.gpu-1',
    'webpubsub.sendToGroup.ra.presence',
    'webpubsub.sendToGroups.ra.daemon.**',
  ]);
  assert.deepEqual(groupsAtConnect('executor', 'gpu-1'), ['ra.discovery', 'ra.exec.gpu-1']);
});

test('a daemon holds the mirror image', () => {
  assert.deepEqual(rolesFor('daemon', 'd.1'), [
    'webpubsub.joinLeaveGroup.ra.presence',
    'webpubsub.joinLeaveGroup.ra.daemon.d.1',
    'webpubsub.sendToGroup.ra.discovery',
    'webpubsub.sendToGroups.ra.exec.**',
  ]);
  assert.deepEqual(groupsAtConnect('daemon', 'd.1'), ['ra.presence', 'ra.daemon.d.1']);
});

test('no role grants any-group permission', () => {
  for (const role of [...rolesFor('executor', 'e'), ...rolesFor('daemon', 'd')]) {
    assert.notEqual(role, 'webpubsub.sendToGroup');
    assert.notEqual(role, 'webpubsub.joinLeaveGroup');
    assert.ok(!role.startsWith('webpubsub.joinLeaveGroups.'), `${role}: nobody joins by pattern`);
  }
});
