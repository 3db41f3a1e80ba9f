/**
 * Wires access and cost control for the daemon: the stores (embedded in the data folder, or Redis shared by
 * replicas), the key service, the pipeline stage, the authenticator and the admin endpoints.
 *
 * @example
 * const access = await createAccessControl({ config, home, masterKey, providers, log, resolve: (m) => gateway.resolve(m) });
 * new Gateway(config, providers, [access.stage]); createApp({ …, authenticate: access.authenticate, routes: access.routes });
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/schema.js';
import type { Target } from '../gateway/canonical.js';
import type { Identity, Stage } from '../gateway/context.js';
import type { Logger } from '../log.js';
import type { Provider } from '../providers/provider.js';
import type { Route } from '../server/app.js';
import { PriceTable } from '../cost/prices.js';
import { accessAdminRoutes } from '../keys/adminRoutes.js';
import { KeyService } from '../keys/keyService.js';
import type { KeyStore } from '../keys/keyStore.js';
import { EmbeddedAccounting } from '../store/embeddedAccounting.js';
import { FileKeyStore } from '../store/fileKeyStore.js';
import { RedisAccounting } from '../store/redisAccounting.js';
import { createRedisClient } from '../store/redisClient.js';
import { RedisKeyStore } from '../store/redisKeyStore.js';
import { accessStage } from './accessStage.js';
import type { CounterStore } from './counters.js';

export interface AccessControlOptions {
  config: Config;
  home: string;
  masterKey?: string;
  providers: ReadonlyMap<string, Provider>;
  log: Logger;
  resolve: (model: string) => Target;
}

export interface AccessControl {
  stage: Stage;
  authenticate(req: IncomingMessage, path: string): Promise<Identity>;
  routes: Record<string, Partial<Record<string, Route>>>;
  keys: KeyService;
  store: CounterStore;
  close(): Promise<void>;
}

export async function createAccessControl(opts: AccessControlOptions): Promise<AccessControl> {
  const { config, home, log } = opts;
  let store: CounterStore;
  let keyStore: KeyStore;
  let closeRedis = async () => {};
  let lastWarning = 0;
  const warn = (what: string) => (e: unknown) => {
    if (Date.now() - lastWarning < 10_000) return;
    lastWarning = Date.now();
    log.warn(`${what}`, { error: e instanceof Error ? e.message : String(e) });
  };
  if (config.store.mode === 'redis') {
    const { url, prefix, timeoutMs } = config.store.redis;
    const redis = await createRedisClient({ url, timeoutMs, onError: warn('redis unreachable') });
    store = new RedisAccounting(redis, prefix);
    keyStore = new RedisKeyStore(redis, prefix);
    closeRedis = async () => {
      await redis.quit().catch(() => redis.disconnect());
    };
    log.info('limits, budgets, keys and ledger in redis', { url: url.replace(/\/\/[^@/]*@/, '//***@'), prefix, onUnavailable: config.store.redis.onUnavailable });
  } else {
    store = new EmbeddedAccounting({ home, onError: (what, e) => log.error(what, { error: e }) });
    keyStore = new FileKeyStore(home);
  }
  const keys = new KeyService({ store: keyStore, masterKey: opts.masterKey, cacheMs: config.store.mode === 'redis' ? 1000 : 0, onStoreError: warn('key store unreachable') });
  const stage = accessStage({ config, store, keys, prices: new PriceTable(config.prices), providers: opts.providers, resolve: opts.resolve, log });
  return {
    stage,
    keys,
    store,
    authenticate: (req, path) => keys.authenticate(req, path),
    routes: accessAdminRoutes({ keys, store, maxBodyBytes: config.server.maxBodyBytes }),
    async close() {
      await store.close();
      await closeRedis();
    },
  };
}
