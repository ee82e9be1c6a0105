import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globMatcher } from './globs.js';

describe('globMatcher', () => {
  it('is null without globs', () => {
    assert.equal(globMatcher(undefined, 'include'), null);
    assert.equal(globMatcher([], 'include'), null);
  });

  it('matches a glob without "/" against the name at any depth', () => {
    const m = globMatcher(['*.ts', 'Makefile'], 'include')!;
    assert.equal(m('a.ts'), true);
    assert.equal(m('src/deep/a.ts'), true);
    assert.equal(m('src/Makefile'), true);
    assert.equal(m('src/a.js'), false);
  });

  it('matches a glob with "/" against the whole relative path', () => {
    const m = globMatcher(['src/**', 'docs/*.md'], 'include')!;
    assert.equal(m('src/index.ts'), true);
    assert.equal(m('src/a/b/c.ts'), true);
    assert.equal(m('lib/src/x.ts'), false);
    assert.equal(m('docs/a.md'), true);
    assert.equal(m('docs/sub/a.md'), false);
  });

  it('matches dot files, since hidden entries are filtered separately', () => {
    assert.equal(globMatcher(['*.yml'], 'include')!('.github/workflows/ci.yml'), true);
  });
});
