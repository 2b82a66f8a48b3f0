// SQL for the signing_keys table. Times cross this boundary as Date; pg and PGlite both parse
// timestamptz, the conversion only guards against a driver configured to return strings.
import type { JWK } from 'jose';
import type { Queryable } from '../store/database.ts';
import { isSigningAlg, type SigningAlg } from './algorithms.ts';

export interface SigningKeyTimes {
  kid: string;
  alg: SigningAlg;
  publishAt: Date;
  activateAt: Date;
  retireAt: Date | null;
}

export interface StoredSigningKey extends SigningKeyTimes {
  privateJwkSealed: string;
  publicJwk: JWK;
}

interface TimesRow {
  kid: string;
  alg: string;
  publish_at: Date | string;
  activate_at: Date | string;
  retire_at: Date | string | null;
}

interface KeyRow extends TimesRow {
  private_jwk_sealed: string;
  public_jwk: JWK | string;
}

const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

function toTimes(row: TimesRow): SigningKeyTimes {
  if (!isSigningAlg(row.alg)) throw new Error(`signing key ${row.kid} has unsupported alg ${row.alg}`);
  return {
    kid: row.kid,
    alg: row.alg,
    publishAt: toDate(row.publish_at),
    activateAt: toDate(row.activate_at),
    retireAt: row.retire_at === null ? null : toDate(row.retire_at),
  };
}

const TIMES = 'kid, alg, publish_at, activate_at, retire_at';

/** Metadata of every key, without key material: what the watcher polls. */
export async function selectKeyTimes(db: Queryable): Promise<SigningKeyTimes[]> {
  const { rows } = await db.query<TimesRow>(`SELECT ${TIMES} FROM signing_keys`);
  return rows.map(toTimes);
}

export async function selectKeys(db: Queryable): Promise<StoredSigningKey[]> {
  const { rows } = await db.query<KeyRow>(`SELECT ${TIMES}, private_jwk_sealed, public_jwk FROM signing_keys`);
  return rows.map((row) => ({
    ...toTimes(row),
    privateJwkSealed: row.private_jwk_sealed,
    publicJwk: typeof row.public_jwk === 'string' ? (JSON.parse(row.public_jwk) as JWK) : row.public_jwk,
  }));
}

export async function insertKey(db: Queryable, key: StoredSigningKey): Promise<void> {
  await db.query(
    `INSERT INTO signing_keys (kid, alg, private_jwk_sealed, public_jwk, publish_at, activate_at, retire_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)`,
    [key.kid, key.alg, key.privateJwkSealed, JSON.stringify(key.publicJwk), key.publishAt, key.activateAt, key.retireAt],
  );
}

/** Schedules the retirement of every key that has none yet; returns the keys it touched. */
export async function retireOpenKeys(db: Queryable, retireAt: Date): Promise<{ kid: string; alg: SigningAlg }[]> {
  const { rows } = await db.query<{ kid: string; alg: string }>(
    'UPDATE signing_keys SET retire_at = $1 WHERE retire_at IS NULL RETURNING kid, alg',
    [retireAt],
  );
  return rows.map((r) => ({ kid: r.kid, alg: r.alg as SigningAlg })).sort((a, b) => a.alg.localeCompare(b.alg) || a.kid.localeCompare(b.kid));
}

export async function deleteRetiredBefore(db: Queryable, cutoff: Date): Promise<string[]> {
  const { rows } = await db.query<{ kid: string }>(
    'DELETE FROM signing_keys WHERE retire_at IS NOT NULL AND retire_at < $1 RETURNING kid',
    [cutoff],
  );
  return rows.map((r) => r.kid).sort();
}
