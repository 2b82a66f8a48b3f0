// The short-lived key-value store behaves the same in process and in Redis: values expire on
// time, and a one-time value can be taken only once even by concurrent callers.
import { connectRedis } from '../../src/store/redis.ts';
import { StorageUnavailableError } from '../../src/store/errors.ts';
import { createRedisKeyValueStore } from '../../src/store/kv.ts';
import { keyValueBackends } from '../support/kv.ts';

const stores = await keyValueBackends('kvtest');
const backends = stores.list;

beforeAll(() => stores.open());
afterAll(() => stores.close());

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
