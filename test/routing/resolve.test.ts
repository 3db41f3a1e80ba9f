import assert from 'node:assert/strict';
import { resolveModel, type ResolveContext } from '../../daemon/src/routing/resolve.js';
import type { TierStatus } from '../../daemon/src/providers/provider.js';

function ctx(available: Record<string, boolean>, aliases: Record<string, string> = {}): ResolveContext {
  const tiers: Record<string, TierStatus> = {};
  for (const [id, ok] of Object.entries(available)) {
    tiers[id] = { id, available: ok, state: ok ? 'ready' : 'unconfigured', detail: '', models: id === 'local' ? ['default'] : [] };
  }
  return { aliases, tier: (id) => tiers[id], defaultModel: (id) => ({ openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5', local: 'default' })[id] ?? '' };
}

describe('routing/resolve', () => {
  const all = ctx({ openai: true, anthropic: true, local: true });

  it('resolves provider/model, bare family names and local names', () => {
    assert.deepEqual(resolveModel('openai/gpt-4.1', all), { provider: 'openai', model: 'gpt-4.1' });
    assert.deepEqual(resolveModel('anthropic/claude-x', all), { provider: 'anthropic', model: 'claude-x' });
    assert.deepEqual(resolveModel('local/default', all), { provider: 'local', model: 'default' });
    assert.deepEqual(resolveModel('gpt-4o', all), { provider: 'openai', model: 'gpt-4o' });
    assert.deepEqual(resolveModel('o4-mini', all), { provider: 'openai', model: 'o4-mini' });
    assert.deepEqual(resolveModel('claude-sonnet-4-5', all), { provider: 'anthropic', model: 'claude-sonnet-4-5' });
  });

  it('keeps the slash of models that contain one (openai/org/model)', () => {
    assert.deepEqual(resolveModel('openai/ft:gpt-4o:org/x', all), { provider: 'openai', model: 'ft:gpt-4o:org/x' });
  });

  it('picks the first available tier for auto, in the order OpenAI, Anthropic, local', () => {
    assert.equal(resolveModel('auto', all).provider, 'openai');
    assert.equal(resolveModel('auto', ctx({ openai: false, anthropic: true, local: true })).provider, 'anthropic');
    assert.deepEqual(resolveModel('auto', ctx({ openai: false, anthropic: false, local: true })), { provider: 'local', model: 'default' });
    assert.throws(() => resolveModel('auto', ctx({ openai: false, anthropic: false, local: false })), (e: { status: number; message: string }) => e.status === 503 && /OPENAI_API_KEY/.test(e.message));
  });

  it('follows alias chains, lets an alias override auto, and detects cycles', () => {
    const c = ctx({ openai: true, local: true }, { fast: 'smart', smart: 'local/default', auto: 'fast', a: 'b', b: 'a' });
    assert.deepEqual(resolveModel('fast', c), { provider: 'local', model: 'default' });
    assert.deepEqual(resolveModel('auto', c), { provider: 'local', model: 'default' });
    assert.throws(() => resolveModel('a', c), /cycle/);
  });

  it('answers 404 for unknown models, providers and local names, pointing at /v1/models', () => {
    for (const name of ['mystery-model', 'acme/model', 'local/other', 'openai/']) {
      assert.throws(() => resolveModel(name, all), (e: { status: number; code: string; message: string }) => e.status === 404 && e.code === 'model_not_found' && e.message.includes('/v1/models'), name);
    }
  });
});
