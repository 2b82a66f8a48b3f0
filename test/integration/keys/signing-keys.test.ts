// The signing-key lifecycle, on embedded PGlite and on PostgreSQL alike.
import { createLocalJWKSet, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { deriveSecrets, generateMasterKey } from '../../../src/crypto/secrets.ts';
import {
  ensureSigningKeys,
  listSigningKeys,
  loadKeySet,
  MasterKeyMismatchError,
  pruneRetiredKeys,
  rotateSigningKeys,
  RotationPendingError,
  type KeySet,
} from '../../../src/keys/signing-keys.ts';
import type { Database } from '../../../src/store/database.ts';
import { describeWith } from '../../support/services.ts';
import { freshEmbedded, freshPostgres, type PostgresFixture } from './key-databases.ts';

const describePostgres = await describeWith('postgres');

const T0 = new Date('2026-03-01T09:00:00Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ROTATION = { activationDelaySeconds: 3600, longestTokenLifetimeSeconds: 7200 };

const firstOf = (keySet: KeySet, alg: string) => keySet.jwks.keys.find((k) => k.alg === alg)!;
const publishedKids = (keySet: KeySet) => keySet.publicJwks.keys.map((k) => k.kid);

async function signWith(jwk: JWK): Promise<string> {
  return new SignJWT({ sub: 'someone' })
    .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid! })
    .setIssuer('https://idp.example')
    .setAudience('client')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(await importJWK(jwk, jwk.alg));
}

async function verifiesWith(token: string, keySet: KeySet): Promise<boolean> {
  try {
    await jwtVerify(token, createLocalJWKSet(keySet.publicJwks), { issuer: 'https://idp.example', audience: 'client' });
    return true;
  } catch {
    return false;
  }
}

function lifecycle(open: () => Promise<{ db: Database; done(): Promise<void> }>) {
  let db: Database;
  let done: () => Promise<void>;
  const secrets = deriveSecrets(generateMasterKey());

  beforeAll(async () => {
    ({ db, done } = await open());
  });
  afterAll(async () => {
    await done();
  });
  // Every case starts as a first start: an empty, migrated database.
  beforeEach(async () => {
    await db.query('DELETE FROM signing_keys');
  });

  it('on first start creates one ES256 (P-256) and one RS256 key, signing at once', async () => {
    const { created } = await ensureSigningKeys(db, secrets, T0);
    expect(created.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);

    const keySet = await loadKeySet(db, secrets, T0);
    expect(keySet.jwks.keys.map((k) => [k.alg, k.kty, k.crv])).toEqual([
      ['ES256', 'EC', 'P-256'],
      ['RS256', 'RSA', undefined],
    ]);
    expect(keySet.nextChangeAt).toBeUndefined();
  });

  it('stores the private keys only sealed and the public keys without private members', async () => {
    await ensureSigningKeys(db, secrets, T0);
    const { rows } = await db.query<{ private_jwk_sealed: string; public_jwk: JWK }>('SELECT private_jwk_sealed, public_jwk FROM signing_keys');
    const { jwks } = await loadKeySet(db, secrets, T0);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.private_jwk_sealed).toMatch(/^v1\./);
      expect(row.private_jwk_sealed).not.toContain('"d"');
      for (const key of jwks.keys) expect(row.private_jwk_sealed).not.toContain(key.d!);
      expect(row.public_jwk.d).toBeUndefined();
    }
  });

  it('creates nothing on later starts', async () => {
    await ensureSigningKeys(db, secrets, T0);
    const before = await loadKeySet(db, secrets, T0);
    expect(await ensureSigningKeys(db, secrets, later(60))).toEqual({ created: [] });
    expect((await loadKeySet(db, secrets, later(60))).fingerprint).toBe(before.fingerprint);
  });

  it('gives every JWK a kid, its alg and use "sig", private members only in jwks', async () => {
    await ensureSigningKeys(db, secrets, T0);
    const keySet = await loadKeySet(db, secrets, T0);
    for (const [i, key] of keySet.jwks.keys.entries()) {
      const pub = keySet.publicJwks.keys[i]!;
      expect(key).toMatchObject({ kid: expect.any(String), alg: expect.stringMatching(/^(ES256|RS256)$/), use: 'sig', d: expect.any(String) });
      expect(pub).toEqual({ ...pub, kid: key.kid, alg: key.alg, use: 'sig' });
      expect(pub.d).toBeUndefined();
    }
  });

  it('signs with the first key of each alg a JWT that the published keys verify', async () => {
    await ensureSigningKeys(db, secrets, T0);
    const keySet = await loadKeySet(db, secrets);
    for (const alg of ['ES256', 'RS256']) {
      expect(await verifiesWith(await signWith(firstOf(keySet, alg)), keySet)).toBe(true);
    }
  });

  describe('rotation timeline', () => {
    it('publishes the new keys at once, lets them sign after the delay and drops the old ones at retirement', async () => {
      await ensureSigningKeys(db, secrets, T0);
      const original = await loadKeySet(db, secrets, T0);
      const oldEs = firstOf(original, 'ES256').kid!;

      const rotation = await rotateSigningKeys(db, secrets, { ...ROTATION, now: later(100) });
      const newEs = rotation.published.find((k) => k.alg === 'ES256')!.kid;
      expect(rotation.published).toEqual([
        { kid: newEs, alg: 'ES256', publishAt: later(100), activateAt: later(3700) },
        { kid: expect.any(String), alg: 'RS256', publishAt: later(100), activateAt: later(3700) },
      ]);
      expect(rotation.retiring.map((k) => [k.alg, k.retireAt])).toEqual([
        ['ES256', later(3700 + 7200)],
        ['RS256', later(3700 + 7200)],
      ]);

      // Before activation: the new key is published, the old one still signs.
      const beforeActivation = await loadKeySet(db, secrets, later(3699));
      expect(firstOf(beforeActivation, 'ES256').kid).toBe(oldEs);
      expect(publishedKids(beforeActivation)).toContain(newEs);
      expect(beforeActivation.nextChangeAt).toEqual(later(3700));
      const signedByOld = await signWith(firstOf(beforeActivation, 'ES256'));

      // From activation: the new key signs, the old one is still published.
      const afterActivation = await loadKeySet(db, secrets, later(3700));
      expect(firstOf(afterActivation, 'ES256').kid).toBe(newEs);
      expect(publishedKids(afterActivation)).toContain(oldEs);
      expect(afterActivation.nextChangeAt).toEqual(later(3700 + 7200));
      expect(await verifiesWith(signedByOld, afterActivation)).toBe(true);
      expect(afterActivation.fingerprint).not.toBe(beforeActivation.fingerprint);

      // From retirement: the old key is gone.
      const afterRetirement = await loadKeySet(db, secrets, later(3700 + 7200));
      expect(publishedKids(afterRetirement)).not.toContain(oldEs);
      expect(afterRetirement.jwks.keys.map((k) => k.alg)).toEqual(['ES256', 'RS256']);
      expect(await verifiesWith(signedByOld, afterRetirement)).toBe(false);
      expect((await listSigningKeys(db, later(3700 + 7200))).find((k) => k.kid === oldEs)?.state).toBe('retired');
    });

    it('refuses a rotation while the previous one is pending, unless forced', async () => {
      await ensureSigningKeys(db, secrets, T0);
      const first = await rotateSigningKeys(db, secrets, { ...ROTATION, now: later(100) });

      const refused = rotateSigningKeys(db, secrets, { ...ROTATION, now: later(200) });
      await expect(refused).rejects.toBeInstanceOf(RotationPendingError);
      await expect(refused).rejects.toMatchObject({ pending: first.published.map(({ kid, alg, activateAt }) => ({ kid, alg, activateAt })) });

      const forced = await rotateSigningKeys(db, secrets, { ...ROTATION, now: later(200), force: true });
      // The superseded pending keys retire only after tokens they could have signed expire.
      expect(forced.retiring.map((k) => k.kid).sort()).toEqual(first.published.map((k) => k.kid).sort());
      const keySet = await loadKeySet(db, secrets, later(3800));
      expect(keySet.jwks.keys.map((k) => k.kid).slice(0, 1)).toEqual([forced.published[0]!.kid]);
      expect(keySet.jwks.keys).toHaveLength(6);

      // Once active, a new rotation is accepted again.
      await expect(rotateSigningKeys(db, secrets, { ...ROTATION, now: later(3800) })).resolves.toMatchObject({ published: expect.any(Array) });
    });

    it('deletes keys retired longer ago than the margin when rotating', async () => {
      await ensureSigningKeys(db, secrets, T0);
      const original = (await loadKeySet(db, secrets, T0)).jwks.keys.map((k) => k.kid!).sort();
      await rotateSigningKeys(db, secrets, { ...ROTATION, now: T0, pruneMarginSeconds: 600 });
      // The original keys retire at 3600 + 7200 s.
      expect(await pruneRetiredKeys(db, { now: later(10800 + 599), marginSeconds: 600 })).toEqual([]);
      const next = await rotateSigningKeys(db, secrets, { ...ROTATION, now: later(10800 + 601), pruneMarginSeconds: 600 });
      expect(next.pruned).toEqual(original);
      expect((await db.query('SELECT kid FROM signing_keys')).rows).toHaveLength(4);
    });

    it('rejects nonsensical durations', async () => {
      await expect(rotateSigningKeys(db, secrets, { activationDelaySeconds: -1, longestTokenLifetimeSeconds: 60 })).rejects.toBeInstanceOf(RangeError);
    });
  });

  it('reports a master key that does not match the stored keys as MasterKeyMismatchError', async () => {
    await ensureSigningKeys(db, secrets, T0);
    const other = deriveSecrets(generateMasterKey());
    const attempt = loadKeySet(db, other, T0);
    await expect(attempt).rejects.toBeInstanceOf(MasterKeyMismatchError);
    await expect(attempt).rejects.toThrow(/master key does not match the stored signing keys/);
  });
}

describe('signing keys on embedded PGlite', () => {
  lifecycle(async () => {
    const db = await freshEmbedded();
    return { db, done: () => db.close() };
  });
});

describePostgres('signing keys on PostgreSQL', () => {
  let fixture: PostgresFixture;
  lifecycle(async () => {
    fixture = await freshPostgres();
    return { db: await fixture.connect(), done: () => fixture.drop() };
  });
});
