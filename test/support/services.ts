// Suites that need PostgreSQL or Redis ask here. Without the service they skip with a loud
// notice; under CI=true a missing service is a failure, never a silent skip.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const IN_CI = process.env.CI === 'true';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

async function require(name: string, url: string, port: number): Promise<boolean> {
  if (await reachable(url, port)) return true;
  const message = `${name} is not reachable at ${url}`;
  if (IN_CI) throw new Error(`${message}: CI=true requires it`);
  console.warn(`\n!!! SKIPPING: ${message}. Start it or set ${name === 'PostgreSQL' ? 'DATABASE_URL' : 'REDIS_URL'}.\n`);
  return false;
}

export const havePostgres = () => require('PostgreSQL', POSTGRES_URL, 5432);
export const haveRedis = () => require('Redis', REDIS_URL, 6379);

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** A fresh PostgreSQL database for one suite; drop() removes it. */
export async function createTestDatabase(prefix = 'cidp'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName(prefix).toLowerCase();
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * The `describe` to use for a suite that needs these services: jest's own, or describe.skip
 * (after a loud notice) when one is missing outside CI. Use with top-level await:
 *   const describeDb = await describeWith('postgres', 'redis');
 */
export async function describeWith(...services: ('postgres' | 'redis')[]): Promise<jest.Describe> {
  for (const service of services) {
    const ok = service === 'postgres' ? await havePostgres() : await haveRedis();
    if (!ok) return describe.skip;
  }
  return describe;
}

/** Every key matching `pattern` (a Redis glob over full key names), found with SCAN. */
export async function redisKeys(pattern: string): Promise<string[]> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}

/** Removes what a suite wrote under its own key prefix. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const keys = await redisKeys(`${prefix}*`);
  if (keys.length === 0) return;
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  try {
    await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
