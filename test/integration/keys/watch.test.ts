// A running instance follows the key set through the watcher (embedded database).
import { deriveSecrets, generateMasterKey } from '../../../src/crypto/secrets.ts';
import { ensureSigningKeys, loadKeySet, rotateSigningKeys, watchKeySet, type KeySetWatcher } from '../../../src/keys/signing-keys.ts';
import type { Database } from '../../../src/store/database.ts';
import { collectChanges, sleep } from './changes.ts';
import { freshEmbedded, recordingLogger } from './key-databases.ts';

const HOUR = 3600;
const ERROR = 50;

describe('watchKeySet', () => {
  const secrets = deriveSecrets(generateMasterKey());
  let db: Database;
  let watcher: KeySetWatcher | undefined;

  beforeEach(async () => {
    db = await freshEmbedded();
    await ensureSigningKeys(db, secrets);
  });
  afterEach(async () => {
    watcher?.stop();
    watcher = undefined;
    await db.close();
  });

  it('reports the set it finds first when the caller has none yet, then stays quiet while nothing changes', async () => {
    const changes = collectChanges();
    watcher = watchKeySet({ db, secrets, intervalMs: 60_000, onChange: changes.onChange, logger: recordingLogger().logger });
    const [first] = await changes.waitFor(1);
    expect(first!.fingerprint).toBe((await loadKeySet(db, secrets)).fingerprint);
    await watcher.check();
    await watcher.check();
    expect(changes.seen).toHaveLength(1);
  });

  it('reports a rotation once, with the new keys published behind the signing ones', async () => {
    const current = await loadKeySet(db, secrets);
    const changes = collectChanges();
    watcher = watchKeySet({ db, secrets, intervalMs: 60_000, current: current.fingerprint, onChange: changes.onChange, logger: recordingLogger().logger });
    await watcher.check();
    expect(changes.seen).toHaveLength(0);

    const rotation = await rotateSigningKeys(db, secrets, { activationDelaySeconds: HOUR, longestTokenLifetimeSeconds: HOUR });
    await watcher.check();
    await watcher.check();
    expect(changes.seen).toHaveLength(1);
    const kids = changes.seen[0]!.jwks.keys.map((k) => k.kid);
    expect(kids).toEqual([
      current.jwks.keys[0]!.kid,
      rotation.published[0]!.kid,
      current.jwks.keys[1]!.kid,
      rotation.published[1]!.kid,
    ]);
  });

  it('switches to the new keys at their activation time without waiting for the next poll', async () => {
    const current = await loadKeySet(db, secrets);
    const changes = collectChanges();
    watcher = watchKeySet({ db, secrets, intervalMs: 60_000, current: current.fingerprint, onChange: changes.onChange, logger: recordingLogger().logger });
    const rotation = await rotateSigningKeys(db, secrets, { activationDelaySeconds: 1, longestTokenLifetimeSeconds: HOUR });
    await watcher.check();

    const [, activated] = await changes.waitFor(2, 3000);
    expect(Date.now()).toBeGreaterThanOrEqual(rotation.published[0]!.activateAt.getTime());
    expect(activated!.jwks.keys.map((k) => k.kid)).toEqual([
      rotation.published[0]!.kid,
      current.jwks.keys[0]!.kid,
      rotation.published[1]!.kid,
      current.jwks.keys[1]!.kid,
    ]);
  });

  it('offers the change again at the next check when applying it failed', async () => {
    const { logger, records } = recordingLogger();
    let attempts = 0;
    watcher = watchKeySet({
      db,
      secrets,
      intervalMs: 60_000,
      current: (await loadKeySet(db, secrets)).fingerprint,
      logger,
      onChange() {
        attempts += 1;
        if (attempts === 1) throw new Error('provider rebuild failed');
      },
    });
    await rotateSigningKeys(db, secrets, { activationDelaySeconds: HOUR, longestTokenLifetimeSeconds: HOUR });
    await watcher.check();
    expect(records.some((r) => r.level === ERROR && /applying the new key set failed/.test(r.msg))).toBe(true);
    await watcher.check();
    await watcher.check();
    expect(attempts).toBe(2);
  });

  it('keeps running and logs when the database cannot be read', async () => {
    const { logger, records } = recordingLogger();
    const changes = collectChanges();
    watcher = watchKeySet({ db, secrets, intervalMs: 60_000, current: 'whatever', onChange: changes.onChange, logger });
    await db.close();
    await expect(watcher.check()).resolves.toBeUndefined();
    expect(records.some((r) => /cannot read the key set/.test(r.msg))).toBe(true);
    expect(changes.seen).toHaveLength(0);
    db = await freshEmbedded();
  });

  it('does not call onChange after stop()', async () => {
    const changes = collectChanges();
    watcher = watchKeySet({ db, secrets, intervalMs: 20, current: 'stale', onChange: changes.onChange, logger: recordingLogger().logger });
    watcher.stop();
    await sleep(100);
    await watcher.check();
    expect(changes.seen).toHaveLength(0);
  });
});
