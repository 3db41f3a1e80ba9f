/** `*` globs for model and route names in limits and key scopes. */
import assert from 'node:assert/strict';
import { globMatch, lookupGlob } from '../../daemon/src/limits/glob.js';

describe('limits: globs', () => {
  it('matches literally without a star, and a star stands for any run of characters', () => {
    assert.equal(globMatch('openai/gpt-4o', 'openai/gpt-4o'), true);
    assert.equal(globMatch('openai/gpt-4o', 'openai/gpt-4o-mini'), false);
    assert.equal(globMatch('openai/*', 'openai/gpt-4o-mini'), true);
    assert.equal(globMatch('openai/*', 'anthropic/claude-haiku-4-5'), false);
    assert.equal(globMatch('*-mini', 'openai/gpt-4o-mini'), true);
    assert.equal(globMatch('claude-*-4-5', 'claude-haiku-4-5'), true);
    assert.equal(globMatch('*', ''), true);
  });

  it('treats every other character literally, the same on every call', () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(globMatch('gpt-4.1*', 'gpt-4.1-nano'), true);
      assert.equal(globMatch('gpt-4.1*', 'gpt-4x1-nano'), false, 'the dot is not a wildcard');
      assert.equal(globMatch('a+b(c)?*', 'a+b(c)?d'), true);
      assert.equal(globMatch('a+b(c)?*', 'aab(c)d'), false);
      assert.equal(globMatch('[x]*', '[x]y'), true);
      assert.equal(globMatch('[x]*', 'xy'), false);
    }
  });

  it('lookupGlob: an exact name first, then the longest matching pattern', () => {
    const table = { 'openai/*': 1, 'openai/gpt-4o*': 2, 'openai/gpt-4o-mini': 3 };
    assert.equal(lookupGlob(table, ['openai/gpt-4o-mini']), 3);
    assert.equal(lookupGlob(table, ['openai/gpt-4o']), 2);
    assert.equal(lookupGlob(table, ['openai/o3']), 1);
    assert.equal(lookupGlob(table, ['anthropic/claude-haiku-4-5']), undefined);
    assert.equal(lookupGlob(table, ['fast', 'openai/gpt-4o-2024']), 2, 'any of the names the request is known by');
  });

  it('stays right past the compiled-pattern bound', () => {
    for (let i = 0; i < 2500; i++) assert.equal(globMatch(`m${i}-*`, `m${i}-x`), true);
    assert.equal(globMatch('m7-*', 'm8-x'), false);
  });
});
