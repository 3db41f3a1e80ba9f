/** The local tier counts prompt tokens with the model's own tokenizer (real node-llama-cpp, the test model). */
import assert from 'node:assert/strict';
import { countPromptTokens, estimateByCharacters } from '../../daemon/src/limits/tokenCount.js';
import { createLlamaCppProvider } from '../../daemon/src/providers/llamacpp/index.js';
import type { Provider } from '../../daemon/src/providers/provider.js';
import { tinyModelPath } from '../helpers/paths.js';

describe('local token counting', function () {
  this.timeout(60_000);
  let local: Provider;
  before(() => {
    local = createLlamaCppProvider({ modelPath: tinyModelPath, contextSize: 512, sequences: 1 });
  });
  after(() => local?.close());

  it('estimates while the model loads, then uses the model tokenizer', async () => {
    const text = 'The quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps over the lazy dog.';
    const request = { model: 'local/default', messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text }] }] };
    const providers = new Map([['local', local]]);
    const target = { provider: 'local', model: 'default' };
    assert.equal(await local.countTokens?.(text, 'default'), undefined, 'not loaded yet');
    assert.equal(await countPromptTokens(request, target, providers), estimateByCharacters(text) + 7);
    while (local.status().state === 'loading') await new Promise((r) => setTimeout(r, 50));
    assert.equal(local.status().state, 'ready', local.status().detail);
    const own = await local.countTokens?.(text, 'default');
    assert.ok(own !== undefined && own > 10 && own < text.length, `model tokenizer counted ${own}`);
    assert.equal(await countPromptTokens(request, target, providers), own + 7);
  });
});
