/** Starts and stops a whole daemon: config, providers, gateway, listeners, state file. */
import type { Config } from './config/schema.js';
import { Gateway } from './gateway/gateway.js';
import { cacheAdminRoutes } from './cache/admin.js';
import { createResponseCache } from './cache/create.js';
import { cacheStage, lookupStale } from './cache/stage.js';
import { createObservability } from './observability/observability.js';
import { createLogger, parseLogLevel, type Logger } from './log.js';
import { createProviders } from './providers/registry.js';
import { createAccessControl } from './limits/accessControl.js';
import { createApp } from './server/app.js';
import { listen } from './server/listen.js';
import { clearState, ensureHome, loadMasterKey, socketPathFor, writeState, type MasterKey } from './store/home.js';
import { refreshSchemaFile } from './store/schemaFile.js';
import { VERSION } from './version.js';

export interface DaemonOptions {
  config: Config;
  home: string;
  env?: Record<string, string | undefined>;
  log?: Logger;
  /** Overrides config.server.port (0 = any free port). */
  port?: number;
  /** Called when a client asks the daemon to stop (POST /switchboard/v1/shutdown). */
  onShutdownRequest?: () => void;
}

export interface RunningDaemon {
  gateway: Gateway;
  port: number;
  host: string;
  socketPath: string;
  url: string;
  masterKey?: MasterKey;
  log: Logger;
  stop(graceMs?: number): Promise<void>;
  /** Settles once the daemon has stopped, whoever asked. */
  stopped: Promise<void>;
}

export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const { config, home } = opts;
  const env = opts.env ?? process.env;
  const log = opts.log ?? createLogger({ level: parseLogLevel(env.SWITCHBOARD_LOG_LEVEL) });
  for (const p of [config.providers.openai?.apiKey, config.providers.anthropic?.apiKey]) log.addSecret(p);
  ensureHome(home);
  const masterKey = config.server.auth === 'key' ? loadMasterKey(home, env) : undefined;
  log.addSecret(masterKey?.key);
  if (!masterKey) log.warn('authentication is off (server.auth: none): any local process can use this daemon');

  const observability = await createObservability({
    config: config.observability,
    home,
    log,
    version: VERSION,
    secrets: [config.providers.openai?.apiKey, config.providers.anthropic?.apiKey, masterKey?.key],
  });
  const { outer: recordOuter, inner: recordInner } = observability.stages;
  // The record stages wrap everything: the outer one sees what the client gets, the inner one the upstream.
  const providers = createProviders(config, log);
  // Keys, rate limits, budgets and the cost ledger; `resolve` is bound late (the gateway is built with the stage).
  const access = await createAccessControl({ config, home, masterKey: masterKey?.key, providers, log, resolve: (m) => gateway.resolve(m) });
  // The response cache sits after access control (a hit still needs a valid key and counts against limits).
  const cache = await createResponseCache({ config: config.cache, providers: config.providers, home, log });
  const gateway = new Gateway(config, providers, [...(recordOuter ? [recordOuter] : []), access.stage, ...(cache ? [cacheStage(cache)] : []), ...(recordInner ? [recordInner] : [])], { log });
  observability.setCircuitSource(() => gateway.health().circuits ?? []);
  // When every target of a route fails, the resilience layer serves a stale cached answer if there is one.
  if (cache) gateway.engine.staleLookup = async (ctx) => lookupStale(cache, ctx);
  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((r) => (markStopped = r));
  const stop = (graceMs = config.server.shutdownGraceMs): Promise<void> =>
    (stopping ??= (async () => {
      log.info('stopping', { graceMs });
      await listeners.stop(graceMs);
      clearState(home);
      await gateway.close();
      await access.close();
      await cache?.close();
      await observability.close();
      log.info('stopped');
      markStopped();
    })());

  const handle = createApp({
    gateway,
    log,
    masterKey: masterKey?.key,
    maxBodyBytes: config.server.maxBodyBytes,
    onShutdownRequest: opts.onShutdownRequest ?? (() => void stop()),
    routes: { ...observability.routes, ...access.routes, ...cacheAdminRoutes(cache, config.server.maxBodyBytes) },
    authenticate: (req, path) => access.authenticate(req, path),
    onRequestEnd: observability.onRequestEnd,
  });
  const listeners = await listen(handle, { host: config.server.host, port: opts.port ?? config.server.port, socketPath: socketPathFor(home) });
  const host = listeners.host.includes(':') ? `[${listeners.host}]` : listeners.host;
  writeState({
    pid: process.pid,
    version: VERSION,
    host: listeners.host,
    port: listeners.port,
    socketPath: listeners.socketPath,
    home,
    startedAt: new Date().toISOString(),
  });
  // The editor's completion for switchboard.yaml, once the listeners are up (see store/schemaFile.ts).
  setImmediate(() => refreshSchemaFile(home, log)).unref();
  log.info('listening', { url: `http://${host}:${listeners.port}`, socket: listeners.socketPath, tiers: gateway.tiers().map((t) => `${t.id}:${t.state}`) });
  return { gateway, port: listeners.port, host: listeners.host, socketPath: listeners.socketPath, url: `http://${host}:${listeners.port}`, masterKey, log, stop, stopped };
}
