/** `switchboard keys create|list|rotate|revoke`: virtual keys, through the running daemon's unix socket. */
import { parseArgs } from 'node:util';
import { KeyCreatedSchema, KeyListSchema, KEYS_PATHS, KeyInfoSchema, type KeyInfo, type KeySettings } from '../protocol/keys.js';
import { adminCall, CliUsageError } from './adminCall.js';

export const KEYS_HELP = `Usage: switchboard keys <create|list|rotate|revoke> [options]

  keys create --user U [--team T] [--name N] [--models a,b] [--endpoints /v1/chat/completions,…]
              [--expires 30d|ISO-date] [--rpm N] [--tpm N] [--daily-tokens N] [--daily-usd X]
              [--monthly-tokens N] [--monthly-usd X] [--json]
      Creates a virtual key and prints its secret once (only a hash is kept).
  keys list [--json]          Lists keys (never their secrets)
  keys rotate <id> [--json]   Gives the key a new secret; the old one stops working at once
  keys revoke <id>            Revokes the key

Talks to the daemon serving this data folder (SWITCHBOARD_HOME) over its unix socket.`;

export async function runKeys(args: string[], home: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      user: { type: 'string' },
      team: { type: 'string' },
      name: { type: 'string' },
      models: { type: 'string' },
      endpoints: { type: 'string' },
      expires: { type: 'string' },
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      'daily-tokens': { type: 'string' },
      'daily-usd': { type: 'string' },
      'monthly-tokens': { type: 'string' },
      'monthly-usd': { type: 'string' },
    },
  });
  const [sub, id] = positionals;
  if (values.help || !sub) {
    console.log(KEYS_HELP);
    return values.help ? 0 : 2;
  }
  const print = (human: string, data: unknown) => console.log(values.json ? JSON.stringify(data, null, 2) : human);
  switch (sub) {
    case 'create': {
      if (!values.user) throw new CliUsageError('keys create needs --user');
      const settings: KeySettings = {
        user: values.user,
        ...(values.team && { team: values.team }),
        ...(values.name && { name: values.name }),
        ...(values.models && { models: list(values.models) }),
        ...(values.endpoints && { endpoints: list(values.endpoints) }),
        ...(values.expires && { expiresAt: expiry(values.expires) }),
      };
      const limits = { rpm: int(values.rpm, '--rpm'), tpm: int(values.tpm, '--tpm') };
      if (limits.rpm || limits.tpm) settings.limits = strip(limits);
      const day = strip({ tokens: int(values['daily-tokens'], '--daily-tokens'), usd: num(values['daily-usd'], '--daily-usd') });
      const month = strip({ tokens: int(values['monthly-tokens'], '--monthly-tokens'), usd: num(values['monthly-usd'], '--monthly-usd') });
      if (Object.keys(day).length || Object.keys(month).length) settings.budgets = strip({ day: Object.keys(day).length ? day : undefined, month: Object.keys(month).length ? month : undefined });
      const created = KeyCreatedSchema.parse(await adminCall(home, 'POST', KEYS_PATHS.keys, settings));
      print(`Created ${created.key.id} for ${created.key.user}${created.key.team ? ` (team ${created.key.team})` : ''}.\nSecret (shown once, store it now): ${created.secret}`, created);
      return 0;
    }
    case 'list': {
      const { keys } = KeyListSchema.parse(await adminCall(home, 'GET', KEYS_PATHS.keys));
      print(keys.length ? keys.map(describe).join('\n') : 'No virtual keys. Create one with "switchboard keys create --user NAME".', { keys });
      return 0;
    }
    case 'rotate': {
      if (!id) throw new CliUsageError('keys rotate needs the key id');
      const rotated = KeyCreatedSchema.parse(await adminCall(home, 'POST', KEYS_PATHS.rotate, { id }));
      print(`Rotated ${id}. New secret (shown once): ${rotated.secret}`, rotated);
      return 0;
    }
    case 'revoke': {
      if (!id) throw new CliUsageError('keys revoke needs the key id');
      const { key } = (await adminCall(home, 'POST', KEYS_PATHS.revoke, { id })) as { key: unknown };
      print(`Revoked ${KeyInfoSchema.parse(key).id}.`, { key });
      return 0;
    }
  }
  throw new CliUsageError(`Unknown keys command "${sub}".\n\n${KEYS_HELP}`);
}

function describe(k: KeyInfo): string {
  const scope = [k.team && `team ${k.team}`, k.models && `models ${k.models.join(',')}`, k.expiresAt && `expires ${k.expiresAt}`].filter(Boolean).join(', ');
  return `${k.id}  ${k.prefix}…  ${k.state.padEnd(7)}  ${k.user}${scope ? `  (${scope})` : ''}${k.name ? `  "${k.name}"` : ''}`;
}

function list(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

function int(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CliUsageError(`${flag} must be a positive integer, got "${v}"`);
  return n;
}

function num(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0)) throw new CliUsageError(`${flag} must be a positive number, got "${v}"`);
  return n;
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** `30d`, `12h` or an ISO date/time. */
function expiry(v: string): string {
  const m = /^(\d+)([dh])$/.exec(v);
  if (m) return new Date(Date.now() + Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000)).toISOString();
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new CliUsageError(`--expires takes 30d, 12h or an ISO date, got "${v}"`);
  return new Date(t).toISOString();
}
