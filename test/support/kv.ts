// Both key-value store backends for a suite that must hold on each: the in-process store, and
// Redis under a key prefix of the suite's own (when Redis is reachable; under CI=true it must be).
import { Redis } from 'ioredis';
import { createMemoryKeyValueStore, createRedisKeyValueStore, type KeyValueStore } from '../../src/store/kv.ts';
import { deleteRedisKeys, haveRedis, REDIS_URL, uniqueName } from './services.ts';

export interface KeyValueBackends {
  /** [name, store] pairs for describe.each; the Redis store exists once `open()` ran. */
  list: [string, () => KeyValueStore][];
  memory: KeyValueStore;
  /** The suite's Redis client (keys under `prefix`), once `open()` ran. */
  redis(): Redis | undefined;
  prefix: string;
  open(): void;
  /** Closes the clients and deletes every key the suite wrote. */
  close(): Promise<void>;
}

export async function keyValueBackends(prefixName: string): Promise<KeyValueBackends> {
  const redisUp = await haveRedis();
  const prefix = `${uniqueName(prefixName)}:`;
  const memory = createMemoryKeyValueStore();
  let redis: Redis | undefined;
  const list: [string, () => KeyValueStore][] = [['in-process', () => memory]];
  if (redisUp) list.push(['Redis', () => createRedisKeyValueStore(redis!)]);
  return {
    list,
    memory,
    redis: () => redis,
    prefix,
    open() {
      if (redisUp) redis = new Redis(REDIS_URL, { keyPrefix: prefix });
    },
    async close() {
      memory.close();
      if (!redis) return;
      await deleteRedisKeys(prefix);
      redis.disconnect();
    },
  };
}
