/**
 * Provider API keys in VS Code's SecretStorage (the OS keychain on desktop). They are never written to
 * settings or files: they reach the daemon only through the environment of a daemon this extension starts.
 */
import type * as vscode from 'vscode';

export const PROVIDERS = [
  { id: 'openai', label: 'OpenAI', env: 'OPENAI_API_KEY' },
  { id: 'anthropic', label: 'Anthropic', env: 'ANTHROPIC_API_KEY' },
] as const;
export type ProviderId = (typeof PROVIDERS)[number]['id'];

export function isProviderId(value: unknown): value is ProviderId {
  return PROVIDERS.some((p) => p.id === value);
}

const secretKey = (provider: ProviderId) => `switchboard.apiKey.${provider}`;

export class ProviderKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async has(provider: ProviderId): Promise<boolean> {
    return Boolean(await this.secrets.get(secretKey(provider)));
  }

  /** Stores the key; an empty key deletes it. */
  async set(provider: ProviderId, key: string): Promise<void> {
    const trimmed = key.trim();
    if (trimmed) await this.secrets.store(secretKey(provider), trimmed);
    else await this.secrets.delete(secretKey(provider));
  }

  /** The environment variables to hand to a daemon this extension starts. */
  async env(): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const p of PROVIDERS) {
      const key = await this.secrets.get(secretKey(p.id));
      if (key) env[p.env] = key;
    }
    return env;
  }

  onDidChange(listener: (provider: ProviderId) => void): vscode.Disposable {
    return this.secrets.onDidChange((e) => {
      const provider = PROVIDERS.find((p) => secretKey(p.id) === e.key);
      if (provider) listener(provider.id);
    });
  }
}
