/**
 * The price table: USD per million tokens by `provider/model`. Built-in list prices for common models (check
 * them against your contract); `prices:` in switchboard.yaml overrides or extends them, `*` globs allowed.
 */
import type { Price } from '../limits/configSchema.js';
import { lookupGlob } from '../limits/glob.js';

export const BUILT_IN_PRICES: Record<string, Price> = {
  'openai/gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
  'openai/gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
  'openai/gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  'openai/gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
  'openai/gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'openai/o4-mini': { input: 1.1, output: 4.4, cachedInput: 0.275 },
  'openai/gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
  'openai/gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
  'anthropic/claude-haiku-4-5': { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
  'anthropic/claude-sonnet-4-5': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
  'anthropic/claude-opus-4-1': { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
  'anthropic/claude-3-5-haiku-latest': { input: 0.8, output: 4, cachedInput: 0.08, cacheWrite: 1 },
  // The local tier runs on this machine: no per-token price.
  'local/*': { input: 0, output: 0 },
};

export class PriceTable {
  private readonly table: Record<string, Price>;

  constructor(overrides: Record<string, Price> = {}) {
    this.table = { ...BUILT_IN_PRICES, ...overrides };
  }

  /**
   * The highest input and output prices in the table: what a request is reserved at when its model names a
   * route (the router picks the target later, perhaps a fallback), so a money budget still cannot be overshot.
   */
  ceiling(): Price {
    const all = Object.values(this.table);
    return { input: Math.max(0, ...all.map((p) => p.input)), output: Math.max(0, ...all.map((p) => Math.max(p.output, p.reasoning ?? 0))) };
  }

  /** The price of the serving `provider/model`; undefined when nobody priced it (cost then counts as 0). */
  priceOf(target: string): Price | undefined {
    return lookupGlob(this.table, [target]);
  }
}
