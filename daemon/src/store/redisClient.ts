/**
 * A Redis connection that never makes a request wait longer than `timeoutMs`: no offline queue (a command
 * sent while disconnected fails at once), no per-command retries, a command timeout, and reconnection in the
 * background. Callers decide what a failure means (fail open or closed).
 */
import type { Redis } from 'ioredis';

export interface RedisClientOptions {
  url: string;
  timeoutMs: number;
  onError?: (e: Error) => void;
}

export async function createRedisClient(opts: RedisClientOptions): Promise<Redis> {
  // ioredis (~450 KB bundled with its dependencies) is read and evaluated only when a config asks for Redis.
  const { Redis: RedisClient } = await import('ioredis');
  const client = new RedisClient(opts.url, {
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
