/** Builds the response cache a config asks for: embedder, store, and the cache in front of them. */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { CacheConfig } from './configSchema.js';
import type { Embedder } from './embedders/embedder.js';
import { LlamaCppEmbedder } from './embedders/llamacpp.js';
import { OpenAIEmbedder } from './embedders/openai.js';
import { WinkEmbedder } from './embedders/wink.js';
import { shippedWordVectorsFile, WINK_FILE_NAME } from './embedders/wordVectors.js';
import { ResponseCache, type ResponseCacheOptions } from './responseCache.js';
import { EmbeddedStore } from './stores/embeddedStore.js';
import type { CacheStore } from './stores/store.js';

export interface CreateCacheOptions {
  config: CacheConfig;
  providers: Config['providers'];
  home: string;
  log: Logger;
  priceOf?: ResponseCacheOptions['priceOf'];
}

/**
 * The cache, or undefined when `cache.enabled` is false. The Redis store (and ioredis, ~9 MB of an idle
 * daemon's memory) is loaded only when the config asks for it.
 */
export async function createResponseCache(opts: CreateCacheOptions): Promise<ResponseCache | undefined> {
  const { config, log } = opts;
  if (!config.enabled) return undefined;
  const embedder = config.semantic ? createEmbedder(opts) : undefined;
  const store: CacheStore =
    config.store.type === 'redis'
      ? new (await import('./stores/redisStore.js')).RedisStore({ url: config.store.url, prefix: config.store.prefix, log })
      : new EmbeddedStore({ folder: path.join(opts.home, 'cache', 'index'), flushMs: config.flushMs, log });
  log.info('cache enabled', { store: store.kind, embedder: embedder?.id ?? null });
  return new ResponseCache({ config, store, log, ...(embedder && { embedder }), ...(opts.priceOf && { priceOf: opts.priceOf }) });
}

function createEmbedder({ config, providers, home, log }: CreateCacheOptions): Embedder | undefined {
  const e = config.embedder;
  const failed = (err: unknown) => log.warn('cache embedder unavailable: exact matching only', { embedder: e.type, error: err });
  switch (e.type) {
    case 'wink':
      return new WinkEmbedder({
        file: e.file ?? path.join(home, 'embeddings', WINK_FILE_NAME),
        shipped: shippedWordVectorsFile(),
        onConverted: (ms) => log.info('cache word vectors converted', { ms: Math.round(ms) }),
        onError: failed,
      });
    case 'openai': {
      const apiKey = e.apiKey ?? providers.openai?.apiKey;
      if (!apiKey) {
        failed(new Error('no OpenAI API key (cache.embedder.apiKey or providers.openai.apiKey)'));
        return undefined;
      }
      log.addSecret(apiKey);
      const baseURL = e.baseURL ?? providers.openai?.baseURL;
      return new OpenAIEmbedder(e.model, { apiKey, ...(baseURL && { baseURL }) });
    }
    case 'llamacpp':
      return new LlamaCppEmbedder(e.model, path.join(home, 'models'), failed);
  }
}
