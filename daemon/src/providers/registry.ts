/** Every provider the daemon knows. Adding a provider = one folder + one line here. */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { createAnthropicProvider } from './anthropic/index.js';
import { createLlamaCppProvider } from './llamacpp/index.js';
import { createOpenAIProvider } from './openai/index.js';
import type { Provider } from './provider.js';

export function createProviders(config: Config, log: Logger): Map<string, Provider> {
  const p = config.providers;
  const local = p.local;
  const providers: Provider[] = [
    createOpenAIProvider({ ...p.openai }),
    createAnthropicProvider({ ...p.anthropic }),
    createLlamaCppProvider({
      modelPath: local?.model,
      name: local?.name,
      threads: local?.threads,
      contextSize: local?.contextSize,
      sequences: local?.sequences,
      gpu: local?.gpu,
      log: (level, msg, fields) => log[level](msg, { tier: 'local', ...fields }),
    }),
  ];
  return new Map(providers.map((x) => [x.id, x]));
}
