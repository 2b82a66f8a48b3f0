// oidc-provider adapter over Redis, for deployments with more than one instance. One round trip
// per operation: reads are a single HMGET (or a script following a lookup), writes are single
// Lua scripts (see redis-scripts.ts for the key layout and why).
import type { Redis } from 'ioredis';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { StorageUnavailableError } from '../errors.ts';
import { isRedisUnavailable } from '../redis.ts';
import { consumedOf, epochSeconds, indexesOf, lifetimeMs, recordKey } from './models.ts';
import { CONSUME, DESTROY, FIND_BY_LOOKUP, REVOKE_GRANT, UPSERT, type LuaScript } from './redis-scripts.ts';

export interface RedisAdapterFactoryOptions {
  clockToleranceSeconds: number;
}

type StoredFields = [payload: string | null, consumed: string | null];

function decode(fields: StoredFields | null | undefined): AdapterPayload | undefined {
  // A missing hash reads as [null, null]; never as an empty object taken for a record.
  const [json, consumed] = fields ?? [null, null];
  if (json === null) return undefined;
  const payload = JSON.parse(json) as AdapterPayload;
  if (consumed !== null) payload.consumed = Number(consumed);
  return payload;
}

/** EVALSHA, falling back to EVAL once when Redis has lost its script cache (restart, flush). */
async function run(redis: Redis, script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
      return redis.eval(script.source, keys.length, ...keys, ...args);
    }
    throw err;
  }
}

async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (isRedisUnavailable(err)) throw new StorageUnavailableError('redis', err);
    throw err;
  }
}

class RedisAdapter implements Adapter {
  readonly #model: string;
  readonly #redis: Redis;
  /** The connection's keyPrefix: scripts need it for the keys they derive themselves. */
  readonly #prefix: string;
  readonly #clockToleranceSeconds: number;

  constructor(model: string, redis: Redis, clockToleranceSeconds: number) {
    this.#model = model;
    this.#redis = redis;
    this.#prefix = typeof redis.options.keyPrefix === 'string' ? redis.options.keyPrefix : '';
    this.#clockToleranceSeconds = clockToleranceSeconds;
  }

  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const lifetime = lifetimeMs(expiresIn, this.#clockToleranceSeconds);
    const indexes = indexesOf(this.#model, payload);
    return guarded(async () => {
      await run(this.#redis, UPSERT, [recordKey(this.#model, id)], [
        this.#prefix, this.#model, id, JSON.stringify(payload), lifetime === undefined ? '' : lifetime,
        indexes.uid ?? '', indexes.userCode ?? '', indexes.grantId ?? '', consumedOf(payload) ?? '',
      ]);
    });
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return guarded(async () => decode(await this.#redis.hmget(recordKey(this.#model, id), 'payload', 'consumed') as StoredFields));
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findByLookup(`uid:${this.#model}:${uid}`);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findByLookup(`userCode:${this.#model}:${userCode}`);
  }

  consume(id: string): Promise<void> {
    return guarded(async () => {
      await run(this.#redis, CONSUME, [recordKey(this.#model, id)], [epochSeconds()]);
    });
  }

  destroy(id: string): Promise<void> {
    return guarded(async () => {
      await run(this.#redis, DESTROY, [recordKey(this.#model, id)], [this.#prefix, this.#model, id]);
    });
  }

  revokeByGrantId(grantId: string): Promise<void> {
    return guarded(async () => {
      await run(this.#redis, REVOKE_GRANT, [`grant:${grantId}`], [this.#prefix]);
    });
  }

  #findByLookup(lookup: string): Promise<AdapterPayload | undefined> {
    return guarded(async () => decode(await run(this.#redis, FIND_BY_LOOKUP, [lookup], [this.#prefix, this.#model]) as StoredFields | null));
  }
}

/** The value for oidc-provider's `adapter` option when artifacts live in Redis. */
export function createRedisAdapterFactory(redis: Redis, opts: RedisAdapterFactoryOptions): (name: string) => Adapter {
  return (name: string) => new RedisAdapter(name, redis, opts.clockToleranceSeconds);
}
