// Rotation in the order oidc-provider's documentation asks for (#449): the new key is published
// first and signs only after `activationDelaySeconds`, so relying parties that cache the JWKS
// know it before they see a token signed with it; the old key stays published until every token
// it signed has expired.
import type { Database, Queryable } from '../store/database.ts';
import { SIGNING_ALGS, type SigningAlg } from './algorithms.ts';
import { RotationPendingError } from './errors.ts';
import { generateSigningKey } from './generate.ts';
import type { KeyEncryption } from './key-set.ts';
import { SIGNING_KEYS_LOCK } from './lock.ts';
import { storeNewKey } from './new-key.ts';
import { deleteRetiredBefore, retireOpenKeys, selectKeyTimes } from './store.ts';

export const DEFAULT_PRUNE_MARGIN_SECONDS = 7 * 24 * 3600;

export interface RotateOptions {
  /** How long the new keys are only published before they sign. */
  activationDelaySeconds: number;
  /** The longest lifetime of a token signed with these keys, clock tolerance included. */
  longestTokenLifetimeSeconds: number;
  now?: Date;
  /** Rotate even though the previous rotation has not taken effect yet. */
  force?: boolean;
  /** Retired keys are deleted this long after their retirement. */
  pruneMarginSeconds?: number;
}

export interface RotationResult {
  published: { kid: string; alg: SigningAlg; publishAt: Date; activateAt: Date }[];
  retiring: { kid: string; alg: SigningAlg; retireAt: Date }[];
  pruned: string[];
}

/**
 * Signed tokens are ID tokens, JWT access tokens (user and client_credentials) and signed
 * userinfo/introspection responses; refresh tokens and codes are opaque and need no key.
 */
export function longestSignedTokenLifetimeSeconds(ttl: {
  idTokenSeconds: number;
  accessTokenSeconds: number;
  clientCredentialsSeconds: number;
  clockToleranceSeconds: number;
}): number {
  return Math.max(ttl.idTokenSeconds, ttl.accessTokenSeconds, ttl.clientCredentialsSeconds) + ttl.clockToleranceSeconds;
}

function seconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number of seconds >= 0, got ${value}`);
  return value;
}

const plus = (date: Date, secs: number) => new Date(date.getTime() + secs * 1000);

export async function pruneRetiredKeys(
  db: Queryable,
  options: { now?: Date; marginSeconds?: number } = {},
): Promise<string[]> {
  const margin = seconds('marginSeconds', options.marginSeconds ?? DEFAULT_PRUNE_MARGIN_SECONDS);
  return deleteRetiredBefore(db, plus(options.now ?? new Date(), -margin));
}

export async function rotateSigningKeys(db: Database, secrets: KeyEncryption, options: RotateOptions): Promise<RotationResult> {
  const now = options.now ?? new Date();
  const activateAt = plus(now, seconds('activationDelaySeconds', options.activationDelaySeconds));
  const retireAt = plus(activateAt, seconds('longestTokenLifetimeSeconds', options.longestTokenLifetimeSeconds));
  const pruneMarginSeconds = seconds('pruneMarginSeconds', options.pruneMarginSeconds ?? DEFAULT_PRUNE_MARGIN_SECONDS);

  return db.withAdvisoryLock(SIGNING_KEYS_LOCK, async (conn) => {
    const pending = (await selectKeyTimes(conn)).filter(
      (k) => k.activateAt > now && (k.retireAt === null || k.retireAt > now),
    );
    if (pending.length > 0 && !options.force) {
      throw new RotationPendingError(pending.map(({ kid, alg, activateAt: at }) => ({ kid, alg, activateAt: at })));
    }
    const keys = await Promise.all(SIGNING_ALGS.map(generateSigningKey));
    return conn.transaction(async (tx) => {
      // Before inserting, so that only the keys being superseded get a retirement date.
      const retiring = await retireOpenKeys(tx, retireAt);
      for (const key of keys) await storeNewKey(tx, secrets, key, { publishAt: now, activateAt });
      const pruned = await pruneRetiredKeys(tx, { now, marginSeconds: pruneMarginSeconds });
      return {
        published: keys.map(({ kid, alg }) => ({ kid, alg, publishAt: now, activateAt })),
        retiring: retiring.map((k) => ({ ...k, retireAt })),
        pruned,
      };
    });
  });
}
