// The short-lived key-value store behaves the same in process and in Redis: values expire on
// time, and a one-time value can be taken only once even by concurrent callers.
import { Redis } from 'ioredis';
import { createMemoryKeyValueStore, createRedisKeyValueStore, type KeyValueStore } from '../../src/store/kv.ts';
import { connectRedis } from '../../src/store/redis.ts';
import { StorageUnavailableError } from '../../src/store/errors.ts';
import { REDIS_URL, haveRedis, uniqueName } from '../support/services.ts';

// Under CI=true a missing Redis fails here instead of shrinking the matrix.
const redisUp = await haveRedis();
const prefix = `${uniqueName('kvtest')}:`;
let redis: Redis | undefined;
const memory = createMemoryKeyValueStore();

const backends: [string, () => KeyValueStore][] = [['in-process', () => memory]];
if (redisUp) backends.push(['Redis', () => createRedisKeyValueStore(redis!)]);

beforeAll(async () => {
  if (redisUp) redis = new Redis(REDIS_URL, { keyPrefix: prefix });
});

afterAll(async () => {
  memory.close();
  if (redis) {
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
    redis.disconnect();
  }
});

describe.each(backends)('key-value store (%s)', (_name, make) => {
  test('a value set is read back until it is deleted', async () => {
    const kv = make();
    await kv.set('a', 'one', 60);
    expect(await kv.get('a')).toBe('one');
    await kv.delete('a');
    expect(await kv.get('a')).toBeUndefined();
  });

  test('a value is gone after its lifetime', async () => {
    const kv = make();
    await kv.set('short', 'x', 1);
    expect(await kv.get('short')).toBe('x');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await kv.get('short')).toBeUndefined();
  });

  test('take returns the value once: of ten concurrent takes exactly one gets it', async () => {
    const kv = make();
    await kv.set('ticket', 'secret', 60);
    const results = await Promise.all(Array.from({ length: 10 }, () => kv.take('ticket')));
    expect(results.filter((r) => r === 'secret')).toHaveLength(1);
    expect(await kv.get('ticket')).toBeUndefined();
  });
});

test('an unreachable Redis gives StorageUnavailableError', async () => {
  const down = connectRedis('redis://127.0.0.1:1');
  try {
    const kv = createRedisKeyValueStore(down);
    await expect(kv.get('x')).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(kv.take('x')).rejects.toBeInstanceOf(StorageUnavailableError);
  } finally {
    down.disconnect();
  }
});
