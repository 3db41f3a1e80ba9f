/**
 * A Redis connection that never makes a request wait longer than `timeoutMs`: no offline queue (a command
 * sent while disconnected fails at once), no per-command retries, a command timeout, and reconnection in the
 * background. Callers decide what a failure means (fail open or closed).
 */
import { Redis } from 'ioredis';

export interface RedisClientOptions {
  url: string;
  timeoutMs: number;
  onError?: (e: Error) => void;
}

export function createRedisClient(opts: RedisClientOptions): Redis {
  const client = new Redis(opts.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.timeoutMs,
    connectTimeout: Math.max(opts.timeoutMs, 1000),
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  });
  // Without a listener, ioredis reports connection errors as unhandled; the caller logs them, rate-limited.
  client.on('error', (e: Error) => opts.onError?.(e));
  return client;
}
