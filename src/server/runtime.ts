// Opens everything a running provider (or a CLI command) needs, in one place: the directory
// database (embedded PGlite or PostgreSQL), the artifact store (in-process or Redis) and the
// secrets. Embedded mode generates its master key under the data folder on first start.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { deriveSecrets, generateMasterKey, type Secrets } from '../crypto/secrets.ts';
import type { Logger } from '../observability/logger.ts';
import { connectPostgres, openEmbedded, type Database } from '../store/database.ts';
import { migrate } from '../store/migrate.ts';
import { connectRedis } from '../store/redis.ts';
import { createMemoryAdapterFactory, createRedisAdapterFactory } from '../store/artifacts/index.ts';
import type { ArtifactAdapterFactory } from '../oidc/adapter.ts';
import { createMemoryKeyValueStore, createRedisKeyValueStore, type KeyValueStore } from '../store/kv.ts';

export type StorageMode = 'embedded' | 'postgres' | 'postgres+redis' | 'embedded+redis';

export interface Runtime {
  config: Config;
  logger: Logger;
  db: Database;
  redis?: Redis;
  secrets: Secrets;
  mode: StorageMode;
  artifacts: ArtifactAdapterFactory;
  kv: KeyValueStore;
  close(): Promise<void>;
}

function masterKey(config: Config, logger: Logger): string {
  if (config.secrets.masterKey) return config.secrets.masterKey;
  if (config.storage.inMemory) return generateMasterKey();
  const file = join(config.storage.dataDir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(config.storage.dataDir, { recursive: true });
    writeFileSync(file, `${generateMasterKey()}\n`, { mode: 0o600, flag: 'wx' });
    logger.info({ file }, 'generated a master key for embedded mode; keep this file secret and backed up');
  }
  return readFileSync(file, 'utf8').trim();
}

export function storageMode(config: Config): StorageMode {
  const db = config.storage.databaseUrl ? 'postgres' : 'embedded';
  return config.storage.redisUrl ? `${db}+redis` : db;
}

/**
 * Commands fail fast while the connection is not ready (no offline queue), so give Redis a
 * moment at start-up. If it stays away the instance starts anyway, not ready, and recovers by
 * itself when Redis comes back: a restart order between services must not matter.
 */
async function waitForRedis(redis: Redis, logger: Logger, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return;
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
  if (!ready) logger.warn('redis is not reachable yet; starting anyway, /readyz reports it');
}

/** Opens the directory only (CLI commands that do not serve). */
export async function openDatabase(config: Config): Promise<Database> {
  if (config.storage.databaseUrl) return connectPostgres(config.storage.databaseUrl);
  return openEmbedded(config.storage.inMemory ? undefined : join(config.storage.dataDir, 'db'));
}

export async function openRuntime(config: Config, logger: Logger, options: { migrate?: boolean } = {}): Promise<Runtime> {
  const secrets = deriveSecrets(masterKey(config, logger));
  const db = await openDatabase(config);
  let redis: Redis | undefined;
  let closeArtifacts = () => {};
  try {
    if (options.migrate !== false) {
      const { applied } = await migrate(db, { logger });
      if (applied.length) logger.info({ applied }, 'applied database migrations');
    }
    let artifacts: ArtifactAdapterFactory;
    let kv: KeyValueStore;
    const clockToleranceSeconds = config.ttl.clockToleranceSeconds;
    if (config.storage.redisUrl) {
      redis = connectRedis(config.storage.redisUrl, { keyPrefix: config.storage.redisKeyPrefix, logger });
      await waitForRedis(redis, logger);
      artifacts = createRedisAdapterFactory(redis, { clockToleranceSeconds });
      kv = createRedisKeyValueStore(redis);
    } else {
      const memory = createMemoryAdapterFactory({ clockToleranceSeconds });
      const memoryKv = createMemoryKeyValueStore();
      artifacts = memory.factory;
      kv = memoryKv;
      closeArtifacts = () => {
        memory.close();
        memoryKv.close();
      };
    }
    return {
      config,
      logger,
      db,
      ...(redis ? { redis } : {}),
      secrets,
      mode: storageMode(config),
      artifacts,
      kv,
      async close() {
        closeArtifacts();
        if (redis) await redis.quit().catch(() => redis?.disconnect());
        await db.close();
      },
    };
  } catch (err) {
    redis?.disconnect();
    await db.close().catch(() => {});
    throw err;
  }
}
