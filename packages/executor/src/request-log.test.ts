import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { silentLogger } from '@remote-agent/transport';
import { OutputLog } from './output-log.js';
import { RequestLog } from './request-log.js';

let dir: string;
let output: OutputLog;
let opens: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ra-request-log-'));
  output = new OutputLog({ dir, maxBytesPerStream: 1024 * 1024, retain: 10, maxTotalBytes: 1024 * 1024 * 1024, logger: silentLogger });
  opens = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function requestLog(maxWaitingBytes = 1024): RequestLog {
  return new RequestLog(() => {
    opens++;
    return output.open('req-1');
  }, maxWaitingBytes);
}

function stdout(): string | undefined {
  return output.read('req-1', { stream: 'stdout' })?.data;
}

describe('RequestLog', () => {
  test('held bytes wait for release, in order with the streams apart; bytes not held are written as they come', () => {
    const log = requestLog();
    log.append('stdout', Buffer.from('one '), true);
    log.append('stderr', Buffer.from('warn'), true);
    log.append('stdout', Buffer.from('two '), true);
    assert.equal(opens, 0, 'nothing is on disk while the bytes are held');
    assert.equal(stdout(), undefined);
    log.release();
    assert.equal(stdout(), 'one two ');
    assert.equal(output.read('req-1', { stream: 'stderr' })?.data, 'warn');
    log.append('stdout', Buffer.from('three '), false);
    assert.equal(stdout(), 'one two three ');
    log.append('stdout', Buffer.from('four'), true);
    assert.equal(stdout(), 'one two three ');
    log.append('stdout', Buffer.from(' five'), false);
    assert.equal(stdout(), 'one two three four five', 'bytes not held first write what waits, in order');
    assert.equal(opens, 1);
  });

  test('close writes what still waits and completes the log', async () => {
    const log = requestLog();
    log.append('stdout', Buffer.from('all of it'), true);
    await log.close();
    assert.deepEqual(
      { data: stdout(), complete: output.read('req-1', { stream: 'stdout' })?.complete },
      { data: 'all of it', complete: true },
    );
  });

  test('past maxWaitingBytes everything is written at once, whatever the caller asks', () => {
    const log = requestLog(8);
    log.append('stdout', Buffer.from('12345'), true);
    assert.equal(opens, 0);
    log.append('stdout', Buffer.from('67890'), true);
    assert.equal(stdout(), '1234567890');
  });

  test('a request without output opens no log, released or not', async () => {
    const log = requestLog();
    log.release();
    await log.close();
    assert.equal(opens, 0);
    assert.equal(stdout(), undefined);
  });
});
