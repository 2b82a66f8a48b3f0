// One small SQL interface over PostgreSQL (pg pool) and embedded PGlite, so that queries,
// migrations and tests are written once. Connection failures surface as StorageUnavailableError.
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { StorageUnavailableError, isConnectionError } from './errors.ts';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs fn in one transaction on one connection; rolls back when fn throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs fn while holding a session-level advisory lock on one connection, so that instances
   * starting together serialise (migrations, seeding).
   */
  withAdvisoryLock<T>(key: number, fn: (conn: Database) => Promise<T>): Promise<T>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

function wrap(kind: 'postgres' | 'embedded', err: unknown): unknown {
  return isConnectionError(err) ? new StorageUnavailableError(kind, err) : err;
}

// pg returns int8 and numeric as strings; our bigint columns are epoch seconds and counters.
pg.types.setTypeParser(20, (v) => Number(v));

export async function connectPostgres(url: string, options: { max?: number; applicationName?: string } = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    application_name: options.applicationName ?? 'capacity-idp',
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener the
  // process would crash. The next query reports the outage instead.
  pool.on('error', () => {});

  const fromClient = (client: pg.PoolClient | pg.Pool): Database => {
    const db: Database = {
      kind: 'postgres',
      async query<T>(text: string, params?: unknown[]) {
        try {
          const r = await client.query(text, params as unknown[]);
          return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
        } catch (err) {
          throw wrap('postgres', err);
        }
      },
      async exec(sql) {
        await db.query(sql);
      },
      async transaction(fn) {
        if (client !== pool) return runTransaction(db, fn);
        let conn: pg.PoolClient;
        try {
          conn = await pool.connect();
        } catch (err) {
          throw wrap('postgres', err);
        }
        try {
          return await runTransaction(fromClient(conn), fn);
        } finally {
          conn.release();
        }
      },
      async withAdvisoryLock(key, fn) {
        let conn: pg.PoolClient;
        try {
          conn = await pool.connect();
        } catch (err) {
          throw wrap('postgres', err);
        }
        const scoped = fromClient(conn);
        try {
          await scoped.query('SELECT pg_advisory_lock($1)', [key]);
          try {
            return await fn(scoped);
          } finally {
            await scoped.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {});
          }
        } finally {
          conn.release();
        }
      },
      async ping() {
        await db.query('SELECT 1');
      },
      async close() {
        if (client === pool) await pool.end();
      },
    };
    return db;
  };
  return fromClient(pool);
}

async function runTransaction<T>(db: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  await db.query('BEGIN');
  try {
    const result = await fn(db);
    await db.query('COMMIT');
    return result;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** Embedded PostgreSQL (PGlite): one process, persisted under `dir`, or in memory when dir is undefined. */
export async function openEmbedded(dir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dir) mkdirSync(dir, { recursive: true });
  const lite = dir ? new PGlite(dir) : new PGlite();
  await lite.waitReady;
  // PGlite runs one query at a time; a transaction holds it so that concurrent requests do
  // not interleave statements inside another request's transaction.
  const db: Database = {
    kind: 'pglite',
    async query<T>(text: string, params?: unknown[]) {
      const r = await lite.query<T>(text, params as unknown[]);
      return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
    },
    async exec(sql) {
      await lite.exec(sql);
    },
    async transaction(fn) {
      return lite.transaction(async (tx) =>
        fn({
          async query<T>(text: string, params?: unknown[]) {
            const r = await tx.query<T>(text, params as unknown[]);
            return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
          },
        }),
      );
    },
    async withAdvisoryLock(_key, fn) {
      // A single process owns an embedded database: there is nobody to race with.
      return fn(db);
    },
    async ping() {
      await lite.query('SELECT 1');
    },
    async close() {
      await lite.close();
    },
  };
  return db;
}
