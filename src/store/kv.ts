// Short-lived values the login needs besides oidc-provider's own artifacts: one-time tickets,
// challenge nonces, cached revocation answers. In Redis when configured (so every instance sees
// them), in process otherwise; both expire every entry on time.
import type { Redis } from 'ioredis';
import { ExpiringMemoryStore } from './artifacts/memory-store.ts';
import { StorageUnavailableError } from './errors.ts';
import { isRedisUnavailable } from './redis.ts';

export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Returns the value and deletes it in one step: of two concurrent takes, one gets it. */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
}

export function createMemoryKeyValueStore(): KeyValueStore & { close(): void } {
  const store = new ExpiringMemoryStore<string>();
  return {
    async get(key) {
      return store.get(key);
    },
    async set(key, value, ttlSeconds) {
      store.set(key, value, Date.now() + ttlSeconds * 1000);
    },
    async take(key) {
      const value = store.get(key);
      if (value !== undefined) store.delete(key);
      return value;
    },
    async delete(key) {
      store.delete(key);
    },
    close() {
      store.close();
    },
  };
}

const NAMESPACE = 'kv:';

export function createRedisKeyValueStore(redis: Redis): KeyValueStore {
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw isRedisUnavailable(err) ? new StorageUnavailableError('redis', err) : err;
    }
  };
  return {
    async get(key) {
      return (await call(() => redis.get(NAMESPACE + key))) ?? undefined;
    },
    async set(key, value, ttlSeconds) {
      await call(() => redis.set(NAMESPACE + key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds))));
    },
    async take(key) {
      return (await call(() => redis.getdel(NAMESPACE + key))) ?? undefined;
    },
    async delete(key) {
      await call(() => redis.del(NAMESPACE + key));
    },
  };
}
