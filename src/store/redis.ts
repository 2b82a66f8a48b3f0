// The Redis connection for sessions, codes and tokens. Tuned to fail fast: while Redis is down
// a login must get a quick 503, not hang in ioredis' offline queue until the client gives up;
// meanwhile the client keeps reconnecting on its own so service resumes without a restart.
import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';
import { isConnectionError } from './errors.ts';

export interface ConnectRedisOptions {
  /** Prepended to every key (ioredis `keyPrefix`), so several deployments can share a Redis. */
  keyPrefix?: string;
  /** Connect on the first command (or an explicit `connect()`) instead of immediately. */
  lazyConnect?: boolean;
  /** Where connection loss and recovery are reported; silent without one. */
  logger?: Logger;
}

const MAX_RECONNECT_DELAY_MS = 2_000;

export function connectRedis(url: string, opts: ConnectRedisOptions = {}): Redis {
  const redis = new Redis(url, {
    keyPrefix: opts.keyPrefix ?? '',
    lazyConnect: opts.lazyConnect ?? false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Bounds a command on a half-open connection (no RST), which the options above cannot see.
    commandTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), MAX_RECONNECT_DELAY_MS),
  });

  // Without an 'error' listener a lost connection is an unhandled 'error' event that kills the
  // process. Log the transition once per outage rather than on every reconnection attempt.
  let healthy = true;
  redis.on('error', (err: Error) => {
    if (!healthy) return;
    healthy = false;
    opts.logger?.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'redis unreachable, reconnecting');
  });
  redis.on('ready', () => {
    if (!healthy) opts.logger?.info('redis connection restored');
    healthy = true;
  });
  return redis;
}

/** True when a Redis error means "cannot be reached right now", as opposed to a bad command. */
export function isRedisUnavailable(err: unknown): boolean {
  if (isConnectionError(err)) return true;
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    err.message === 'Command timed out' ||
    // Replies of a server that is up but cannot serve yet: loading its dataset, a replica
    // after failover, a primary that lost its replicas, or a script still running.
    /^(LOADING|READONLY|MASTERDOWN|TRYAGAIN|BUSY)\b/.test(err.message)
  );
}
