/**
 * Model name → concrete target. Order: config aliases, `provider/model`, well-known bare families
 * (gpt-*, o1/o3/o4…, claude-*), then `auto` = the first available tier in the order OpenAI, Anthropic, local.
 */
import type { Target } from '../gateway/canonical.js';
import { NotFoundError, ServiceUnavailableError } from '../errors.js';
import type { TierStatus } from '../providers/provider.js';

export const TIER_ORDER = ['openai', 'anthropic', 'local'] as const;

export interface ResolveContext {
  aliases: Record<string, string>;
  /** Status of a provider by id, undefined when the id is unknown. */
  tier(id: string): TierStatus | undefined;
  /** The model `auto` picks on each tier. */
  defaultModel(id: string): string;
}

const OPENAI_FAMILY = /^(gpt-|chatgpt-|o\d(-|$)|text-embedding-|davinci|babbage)/;
const ANTHROPIC_FAMILY = /^claude-/;
const MAX_ALIAS_DEPTH = 8;

export function resolveModel(name: string, ctx: ResolveContext, depth = 0): Target {
  if (depth > MAX_ALIAS_DEPTH) throw new NotFoundError(`Model alias "${name}" is part of a cycle in the aliases of switchboard.yaml.`, 'model_not_found');
  const alias = ctx.aliases[name];
  if (alias !== undefined) return resolveModel(alias, ctx, depth + 1);
  if (name === 'auto') return autoTarget(ctx);

  const slash = name.indexOf('/');
  if (slash > 0) {
    const provider = name.slice(0, slash);
    const model = name.slice(slash + 1);
    const tier = ctx.tier(provider);
    if (!tier) throw unknownModel(name, `"${provider}" is not a provider (use openai/, anthropic/ or local/).`);
    if (!model) throw unknownModel(name, 'the model after the provider prefix is missing.');
    if (provider === 'local' && !tier.models.includes(model)) {
      throw unknownModel(name, `the local tier serves ${tier.models.map((m) => `local/${m}`).join(', ') || 'no model'}.`);
    }
    return { provider, model };
  }
  if (OPENAI_FAMILY.test(name)) return { provider: 'openai', model: name };
  if (ANTHROPIC_FAMILY.test(name)) return { provider: 'anthropic', model: name };
  throw unknownModel(name, 'it is not an alias, not `provider/model`, and not a known model family.');
}

function autoTarget(ctx: ResolveContext): Target {
  for (const id of TIER_ORDER) {
    const tier = ctx.tier(id);
    if (tier?.available) return { provider: id, model: ctx.defaultModel(id) };
  }
  throw new ServiceUnavailableError(
    'No tier is available for "auto": set OPENAI_API_KEY, ANTHROPIC_API_KEY or SWITCHBOARD_LOCAL_MODEL (a GGUF file) and restart the daemon.',
    'no_tier_available',
  );
}

function unknownModel(name: string, why: string): NotFoundError {
  return new NotFoundError(`The model "${name}" does not exist: ${why} GET /v1/models lists what this daemon serves.`, 'model_not_found');
}
