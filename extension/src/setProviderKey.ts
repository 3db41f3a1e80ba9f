/** "Switchboard: Set Provider API Key": quick pick of the provider, then a password input box. */
import * as vscode from 'vscode';
import { isProviderId, PROVIDERS, type ProviderId, type ProviderKeys } from './providerKeys.js';

/** Arguments for scripted use (tests, keybindings): `{ provider: 'openai', apiKey: '…' }`; '' removes. */
export interface SetProviderKeyArgs {
  provider: ProviderId;
  apiKey: string;
}

/** Returns the provider whose key changed, or undefined when the user cancelled. */
export async function setProviderKey(keys: ProviderKeys, args?: unknown): Promise<ProviderId | undefined> {
  if (isArgs(args)) {
    await keys.set(args.provider, args.apiKey);
    return args.provider;
  }
  const items = await Promise.all(
    PROVIDERS.map(async (p) => ({
      label: p.label,
      description: (await keys.has(p.id)) ? 'key stored' : 'no key',
      id: p.id,
    })),
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Switchboard: Set Provider API Key',
    placeHolder: 'Which provider?',
  });
  if (!picked) return undefined;
  const key = await vscode.window.showInputBox({
    title: `${picked.label} API key`,
    prompt: `Stored in VS Code's secret storage and passed to the daemon this window starts. Leave empty to remove it.`,
    password: true,
    ignoreFocusOut: true,
    placeHolder: picked.id === 'openai' ? 'sk-…' : 'sk-ant-…',
  });
  if (key === undefined) return undefined;
  await keys.set(picked.id, key);
  return picked.id;
}

function isArgs(value: unknown): value is SetProviderKeyArgs {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isProviderId(v.provider) && typeof v.apiKey === 'string';
}
