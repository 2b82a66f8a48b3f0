// The effective key set for oidc-provider (`jwks` option) and for publication.
import type { JWK } from 'jose';
import { DecryptionError, open, type Secrets } from '../crypto/secrets.ts';
import type { Queryable } from '../store/database.ts';
import { MasterKeyMismatchError } from './errors.ts';
import { planKeySet, type PlannedKey } from './plan.ts';
import { selectKeys, selectKeyTimes } from './store.ts';

export type KeyEncryption = Pick<Secrets, 'keyEncryptionKey'>;

export interface KeySet {
  /** Private JWKs in signing order, for `new Provider(issuer, { jwks })`. */
  jwks: { keys: JWK[] };
  /** The same keys without private members, in the same order. */
  publicJwks: { keys: JWK[] };
  /** Changes exactly when the set or its order changes. */
  fingerprint: string;
  /** When the set will change by itself (a key activating or retiring): reload then. */
  nextChangeAt?: Date;
}

export function sealContext(kid: string): string {
  return `signing-key:${kid}`;
}

function unseal(secrets: KeyEncryption, kid: string, sealed: string): JWK {
  try {
    return JSON.parse(open(secrets.keyEncryptionKey, sealed, sealContext(kid)).toString('utf8')) as JWK;
  } catch (err) {
    if (err instanceof DecryptionError) throw new MasterKeyMismatchError(kid, err);
    throw err;
  }
}

export async function loadKeySet(db: Queryable, secrets: KeyEncryption, now: Date = new Date()): Promise<KeySet> {
  const stored = new Map((await selectKeys(db)).map((k) => [k.kid, k]));
  const plan = planKeySet([...stored.values()], now);
  const keys = plan.published.map((k) => stored.get(k.kid)!);
  const keySet: KeySet = {
    jwks: { keys: keys.map((k) => ({ ...unseal(secrets, k.kid, k.privateJwkSealed), kid: k.kid, alg: k.alg, use: 'sig' })) },
    publicJwks: { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) },
    fingerprint: plan.fingerprint,
  };
  if (plan.nextChangeAt) keySet.nextChangeAt = plan.nextChangeAt;
  return keySet;
}

/** Every stored key with its state at `now`, without key material (for operators). */
export async function listSigningKeys(db: Queryable, now: Date = new Date()): Promise<PlannedKey[]> {
  return planKeySet(await selectKeyTimes(db), now).all;
}
