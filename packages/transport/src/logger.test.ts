import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createLogger, deferredLines, memoryLogger } from './logger.js';

const here = new URL('./logger.js', import.meta.url).href;

/** Runs a module script in a fresh Node.js process and returns what it wrote to stderr. */
function stderrOf(script: string): string {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', `import { createLogger } from ${JSON.stringify(here)};\n${script}`], {
    encoding: 'utf8',
  });
  return run.stderr;
}

describe('createLogger', () => {
  it('writes to stderr after the current turn, one write for all of its lines', async () => {
    const writes: string[] = [];
    const original = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      writes.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      const logger = createLogger({ now: () => new Date(0) });
      logger.info('request completed', { requestId: 'r1' });
      logger.child({ requestId: 'r2' }).warn('slow');
      assert.deepEqual(writes, [], 'nothing is written in the turn that logged');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.stderr.write = original;
    }
    assert.deepEqual(writes, ['1970-01-01T00:00:00.000Z INFO request completed requestId=r1\n1970-01-01T00:00:00.000Z WARN slow requestId=r2\n']);
  });

  it('lines still waiting reach stderr when the process exits at once', () => {
    const out = stderrOf(`createLogger().info('stopping', { signal: 'SIGTERM' }); process.exit(3);`);
    assert.match(out, /INFO stopping signal=SIGTERM\n$/);
  });

  it('keeps no exit listener once its lines are written, so loggers made and dropped leave nothing behind', async () => {
    const before = process.listenerCount('exit');
    const texts: string[] = [];
    const write = deferredLines((text) => texts.push(text));
    write('one');
    write('two');
    assert.equal(process.listenerCount('exit'), before + 1, 'one listener while lines wait');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(texts, ['one\ntwo\n']);
    assert.equal(process.listenerCount('exit'), before);
    write('three');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(texts, ['one\ntwo\n', 'three\n'], 'a later turn gets a write of its own');
    assert.equal(process.listenerCount('exit'), before);
  });

  it('hands a CLI-given sink its lines after the turn, and at exit', () => {
    const out = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createLogger, deferredLines } from ${JSON.stringify(here)};\n` +
          `const logger = createLogger({ write: deferredLines((text) => process.stdout.write('[sink] ' + text)) });\n` +
          `logger.info('listening'); logger.warn('then stopping'); process.exit(0);`,
      ],
      { encoding: 'utf8' },
    ).stdout;
    assert.match(out, /^\[sink\] \S+ INFO listening\n\S+ WARN then stopping\n$/);
  });

  it('masks sensitive fields and scrubs secrets from text', () => {
    const logger = memoryLogger('info');
    logger.info('connecting with Endpoint=http://x;AccessKey=abc123;', { accessKey: 'abc123', token: 't', url: 'wss://h/?access_token=eyJabc' });
    assert.equal(logger.lines.length, 1);
    assert.doesNotMatch(logger.lines[0]!, /abc123|access_token=eyJ/);
    assert.match(logger.lines[0]!, /accessKey=\[redacted\] token=\[redacted\]/);
  });
});
