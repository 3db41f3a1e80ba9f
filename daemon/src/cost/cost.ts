/** Turns a provider's usage into tokens by kind and an exact cost in integer nano-dollars. */
import type { Usage } from '../gateway/canonical.js';
import type { Price } from '../limits/configSchema.js';

export interface TokensByKind {
  /** Every prompt token, cached and cache-written ones included. */
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /** Every output token, reasoning ones included. */
  outputTokens: number;
  reasoningTokens: number;
}

/**
 * Providers count prompt tokens differently: OpenAI's prompt_tokens include cached ones, Anthropic's
 * input_tokens exclude both cache reads and cache writes. The ledger always stores the total.
 */
export function tokensByKind(provider: string, usage: Usage): TokensByKind {
  const cached = usage.cachedInputTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  const inputTokens = provider === 'anthropic' ? usage.inputTokens + cached + write : usage.inputTokens;
  return { inputTokens, cachedInputTokens: cached, cacheWriteTokens: write, outputTokens: usage.outputTokens, reasoningTokens: usage.reasoningTokens ?? 0 };
}

/** USD per million tokens × tokens, in nano-dollars (1e-9 USD), rounded once at the end. */
export function costNanoUsd(t: TokensByKind, price: Price | undefined): number {
  if (!price) return 0;
  const uncached = Math.max(0, t.inputTokens - t.cachedInputTokens - t.cacheWriteTokens);
  // Reasoning tokens are part of the output count; they are billed apart only when they have their own price.
  const reasoningPriced = price.reasoning !== undefined ? t.reasoningTokens : 0;
  const perMillion =
    uncached * price.input +
    t.cachedInputTokens * (price.cachedInput ?? price.input) +
    t.cacheWriteTokens * (price.cacheWrite ?? price.input) +
    (t.outputTokens - reasoningPriced) * price.output +
    reasoningPriced * (price.reasoning ?? price.output);
  return Math.round(perMillion * 1000);
}

export function nanoToUsd(nano: number): number {
  return nano / 1e9;
}

export function usdToNano(usd: number): number {
  return Math.round(usd * 1e9);
}
