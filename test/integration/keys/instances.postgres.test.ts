// Several instances sharing one PostgreSQL database: start-up races, rotation races, and every
// instance following a rotation made elsewhere, through an outage too.
import pg from 'pg';
import { deriveSecrets, generateMasterKey } from '../../../src/crypto/secrets.ts';
import {
  ensureSigningKeys,
  loadKeySet,
  rotateSigningKeys,
  RotationPendingError,
  watchKeySet,
  type KeySetWatcher,
} from '../../../src/keys/signing-keys.ts';
import { describeWith, POSTGRES_URL } from '../../support/services.ts';
import { collectChanges, sleep } from './changes.ts';
import { freshPostgres, recordingLogger, WARN, type PostgresFixture } from './key-databases.ts';

const describePostgres = await describeWith('postgres');
const HOUR = 3600;

describePostgres('signing keys shared by several instances on PostgreSQL', () => {
  const secrets = deriveSecrets(generateMasterKey());
  let fixture: PostgresFixture;
  const watchers: KeySetWatcher[] = [];

  beforeEach(async () => {
    fixture = await freshPostgres();
  });
  afterEach(async () => {
    for (const w of watchers.splice(0)) w.stop();
    await fixture.drop();
  });

  it('gives exactly one key per alg when instances start together', async () => {
    const instances = await Promise.all([1, 2, 3].map(() => fixture.connect()));
    const results = await Promise.all(instances.map((db) => ensureSigningKeys(db, secrets)));

    expect(results.flatMap((r) => r.created)).toHaveLength(2);
    const { rows } = await instances[0]!.query<{ alg: string }>('SELECT alg FROM signing_keys ORDER BY alg');
    expect(rows.map((r) => r.alg)).toEqual(['ES256', 'RS256']);
    const sets = await Promise.all(instances.map((db) => loadKeySet(db, secrets)));
    expect(new Set(sets.map((s) => s.fingerprint)).size).toBe(1);
  });

  it('lets only one of two simultaneous rotations through', async () => {
    const [a, b] = await Promise.all([fixture.connect(), fixture.connect()]);
    await ensureSigningKeys(a!, secrets);
    const outcomes = await Promise.allSettled([
      rotateSigningKeys(a!, secrets, { activationDelaySeconds: HOUR, longestTokenLifetimeSeconds: HOUR }),
      rotateSigningKeys(b!, secrets, { activationDelaySeconds: HOUR, longestTokenLifetimeSeconds: HOUR }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(RotationPendingError);
    expect((await a!.query('SELECT kid FROM signing_keys')).rows).toHaveLength(4);
  });

  it('has every instance see a rotation made through another connection, once when published and once when active', async () => {
    const admin = await fixture.connect();
    await ensureSigningKeys(admin, secrets);
    const initial = await loadKeySet(admin, secrets);

    const instances = await Promise.all([fixture.connect(), fixture.connect()]);
    const seen = instances.map((db) => {
      const changes = collectChanges();
      watchers.push(watchKeySet({ db, secrets, intervalMs: 100, current: initial.fingerprint, onChange: changes.onChange, logger: recordingLogger().logger }));
      return changes;
    });
    await sleep(300);
    expect(seen.map((c) => c.seen.length)).toEqual([0, 0]);

    const rotation = await rotateSigningKeys(admin, secrets, { activationDelaySeconds: 2, longestTokenLifetimeSeconds: HOUR });
    const newKids = rotation.published.map((k) => k.kid);
    const oldKids = initial.jwks.keys.map((k) => k.kid);

    for (const changes of seen) {
      const [published] = await changes.waitFor(1);
      expect(published!.jwks.keys.map((k) => k.kid)).toEqual([oldKids[0], newKids[0], oldKids[1], newKids[1]]);
    }
    for (const changes of seen) {
      const [, active] = await changes.waitFor(2, 5000);
      expect(active!.jwks.keys.map((k) => k.kid)).toEqual([newKids[0], oldKids[0], newKids[1], oldKids[1]]);
    }
    await sleep(400);
    expect(seen.map((c) => c.seen.length)).toEqual([2, 2]);
  });

  it('survives the database refusing connections and catches up once it is back', async () => {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    const dbName = new URL(fixture.url).pathname.slice(1);
    try {
      const db = await fixture.connect();
      await ensureSigningKeys(db, secrets);
      const { logger, records } = recordingLogger();
      const changes = collectChanges();
      watchers.push(watchKeySet({ db, secrets, intervalMs: 100, current: (await loadKeySet(db, secrets)).fingerprint, onChange: changes.onChange, logger }));

      await admin.query(`ALTER DATABASE ${dbName} WITH ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [dbName]);
      for (let i = 0; i < 50 && !records.some((r) => r.level === WARN); i++) await sleep(100);
      expect(records.some((r) => r.level === WARN && /cannot read the key set/.test(r.msg))).toBe(true);

      await admin.query(`ALTER DATABASE ${dbName} WITH ALLOW_CONNECTIONS true`);
      const rotation = await rotateSigningKeys(await fixture.connect(), secrets, { activationDelaySeconds: HOUR, longestTokenLifetimeSeconds: HOUR });
      const [changed] = await changes.waitFor(1);
      expect(changed!.jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining(rotation.published.map((k) => k.kid)));
    } finally {
      await admin.query(`ALTER DATABASE ${dbName} WITH ALLOW_CONNECTIONS true`).catch(() => {});
      await admin.end();
    }
  });
});
