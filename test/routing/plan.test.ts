import assert from 'node:assert/strict';
import type { CanonicalRequest } from '../../daemon/src/gateway/canonical.js';
import { parseConfig } from '../../daemon/src/config/load.js';
import { Planner, weightedOrder } from '../../daemon/src/routing/plan.js';
import type { ResolveContext } from '../../daemon/src/routing/resolve.js';

const ask = (text: string, extra: Partial<CanonicalRequest> = {}): CanonicalRequest => ({ model: 'x', messages: [{ role: 'user', content: [{ type: 'text', text }] }], ...extra });

function planner(yaml: object, opts: { random?: () => number; now?: number; available?: string[] } = {}) {
  const config = parseConfig(yaml, {});
  const available = new Set(opts.available ?? ['openai', 'anthropic', 'local']);
  const resolve: ResolveContext = {
    aliases: config.aliases,
    tier: (id) => (['openai', 'anthropic', 'local'].includes(id) ? { id, available: available.has(id), state: 'ready', detail: '', models: id === 'local' ? ['default'] : [] } : undefined),
    defaultModel: (id) => ({ openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5', local: 'default' })[id] ?? '',
  };
  return new Planner(config.routes, config.deprecations, config.resilience, resolve, opts.random ?? (() => 0), () => opts.now ?? Date.parse('2026-06-15T00:00:00Z'));
}

describe('routing/plan', () => {
  it('expands a route into its chain with per-target retry and timeouts over the defaults', () => {
    const p = planner({
      resilience: { retry: { attempts: 1 }, timeouts: { idleMs: 500 } },
      routes: {
        chat: {
          timeouts: { firstTokenMs: 1000 },
          targets: [{ model: 'openai/gpt-4o-mini', retry: { attempts: 3 } }, 'anthropic/claude-haiku-4-5', 'local/default'],
        },
      },
    }).plan(ask('hi', { model: 'chat' }));
    assert.equal(p.route, 'chat');
    assert.deepEqual(p.chain.map((t) => t.name), ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5', 'local/default']);
    assert.equal(p.chain[0]?.retry.attempts, 3);
    assert.equal(p.chain[1]?.retry.attempts, 1);
    assert.equal(p.chain[1]?.timeouts.firstTokenMs, 1000);
    assert.equal(p.chain[1]?.timeouts.idleMs, 500);
    assert.equal(p.midStream, 'error');
    assert.equal(p.fallbackOnClientErrors, false);
  });

  it('makes auto the chain of configured tiers, OpenAI → Anthropic → local', () => {
    assert.deepEqual(planner({}).plan(ask('x', { model: 'auto' })).chain.map((t) => t.name), ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5', 'local/default']);
    assert.deepEqual(planner({}, { available: ['local', 'anthropic'] }).plan(ask('x', { model: 'auto' })).chain.map((t) => t.name), ['anthropic/claude-haiku-4-5', 'local/default']);
  });

  it('inlines routes used as targets, and tries a target listed twice only once', () => {
    const p = planner({ routes: { cheap: { targets: ['local/default', 'openai/gpt-4o-mini'] }, chat: { targets: ['openai/gpt-4o-mini', 'cheap'] } } }).plan(ask('x', { model: 'chat' }));
    assert.deepEqual(p.chain.map((t) => t.name), ['openai/gpt-4o-mini', 'local/default']);
  });

  it('balances by weight, keeping the rest of the group as fallbacks', () => {
    const yaml = { routes: { lb: { targets: [{ balance: [{ model: 'openai/gpt-4o-mini', weight: 3 }, { model: 'anthropic/claude-haiku-4-5', weight: 1 }] }, 'local/default'] } } };
    assert.deepEqual(planner(yaml, { random: () => 0.1 }).plan(ask('x', { model: 'lb' })).chain.map((t) => t.name), ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5', 'local/default']);
    assert.deepEqual(planner(yaml, { random: () => 0.9 }).plan(ask('x', { model: 'lb' })).chain.map((t) => t.name), ['anthropic/claude-haiku-4-5', 'openai/gpt-4o-mini', 'local/default']);
    // Over many draws the shares follow the weights.
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    let first = 0;
    for (let i = 0; i < 4000; i++) if (weightedOrder([{ id: 'a', weight: 3 }, { id: 'b', weight: 1 }], random)[0]?.id === 'a') first++;
    assert.ok(Math.abs(first / 4000 - 0.75) < 0.03, `share ${first / 4000}`);
  });

  it('sends simple requests to the cheap tier and complex ones to the premium tier, and says why', () => {
    const p = planner({ routes: { smart: { tiered: { simple: 'local/default', complex: 'anthropic/claude-sonnet-4-5' } } } });
    const simple = p.plan(ask('What is the capital of France?', { model: 'smart' }));
    assert.equal(simple.tier?.tier, 'simple');
    assert.deepEqual(simple.chain.map((t) => t.name), ['local/default', 'anthropic/claude-sonnet-4-5']);
    const complex = p.plan(ask('Refactor this function and explain step by step why it is faster:\n```js\nfunction f(a){return a.map(x=>x*2)}\n```', { model: 'smart' }));
    assert.equal(complex.tier?.tier, 'complex');
    assert.match(complex.tier?.reason ?? '', /code/);
    assert.equal(complex.chain[0]?.name, 'anthropic/claude-sonnet-4-5');
    assert.match(complex.decisions[0] ?? '', /tiered route smart: complex/);
  });

  it('replaces retired models and warns about soon-retired ones', () => {
    const deprecations = { deprecations: { 'openai/gpt-old': { retiresOn: '2026-06-01', replacement: 'openai/gpt-new' }, 'openai/gpt-soon': { retiresOn: '2026-07-01', replacement: 'openai/gpt-new', warnDays: 30 } } };
    const p = planner(deprecations);
    const retired = p.plan(ask('x', { model: 'openai/gpt-old' }));
    assert.deepEqual(retired.chain.map((t) => t.name), ['openai/gpt-new']);
    assert.match(retired.warnings[0] ?? '', /retired on 2026-06-01/);
    const soon = p.plan(ask('x', { model: 'openai/gpt-soon' }));
    assert.deepEqual(soon.chain.map((t) => t.name), ['openai/gpt-soon']);
    assert.match(soon.warnings[0] ?? '', /retires on 2026-07-01/);
    assert.deepEqual(planner(deprecations, { now: Date.parse('2026-01-01T00:00:00Z') }).plan(ask('x', { model: 'openai/gpt-soon' })).warnings, []);
  });

  it('honours per-request overrides: another route, no fallback', () => {
    const p = planner({ routes: { a: { targets: ['openai/gpt-4o-mini', 'local/default'] }, b: { targets: ['local/default'] } } });
    assert.deepEqual(p.plan(ask('x', { model: 'a' }), { route: 'b' }).chain.map((t) => t.name), ['local/default']);
    assert.deepEqual(p.plan(ask('x', { model: 'a' }), { noFallback: true }).chain.map((t) => t.name), ['openai/gpt-4o-mini']);
  });

  it('rejects a route without targets or tiering, and cycles between routes', () => {
    assert.throws(() => parseConfig({ routes: { empty: {} } }, {}), /a route needs `targets` or `tiered`/);
    assert.throws(() => planner({ routes: { a: { targets: ['b'] }, b: { targets: ['a'] } } }).plan(ask('x', { model: 'a' })), /refers to itself/);
  });
});
