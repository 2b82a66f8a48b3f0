// Fresh, migrated databases for the signing-key suites: embedded (PGlite, in memory) and a
// throwaway PostgreSQL database per suite.
import { Writable } from 'node:stream';
import pino from 'pino';
import { connectPostgres, openEmbedded, type Database } from '../../../src/store/database.ts';
import { migrate } from '../../../src/store/migrate.ts';
import { createTestDatabase } from '../../support/services.ts';

export async function freshEmbedded(): Promise<Database> {
  const db = await openEmbedded(undefined);
  await migrate(db);
  return db;
}

export interface PostgresFixture {
  url: string;
  /** A new pool on the suite's database, as another instance of the service would open. */
  connect(): Promise<Database>;
  /** Closes every pool opened through connect() and drops the database. */
  drop(): Promise<void>;
}

export async function freshPostgres(): Promise<PostgresFixture> {
  const created = await createTestDatabase('cidp_keys');
  const pools: Database[] = [];
  const connect = async () => {
    const db = await connectPostgres(created.url, { max: 4, applicationName: 'cidp-keys-test' });
    pools.push(db);
    return db;
  };
  await migrate(await connect());
  return {
    url: created.url,
    connect,
    async drop() {
      await Promise.all(pools.map((p) => p.close().catch(() => {})));
      await created.drop();
    },
  };
}

/** A real pino logger whose records the test can read. */
export function recordingLogger(): { logger: pino.Logger; records: { level: number; msg: string }[] } {
  const records: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) records.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), records };
}

export const WARN = 40;
