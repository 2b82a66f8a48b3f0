import type { Database } from '../store/database.ts';
import { SIGNING_ALGS, type SigningAlg } from './algorithms.ts';
import { generateSigningKey } from './generate.ts';
import type { KeyEncryption } from './key-set.ts';
import { SIGNING_KEYS_LOCK } from './lock.ts';
import { storeNewKey } from './new-key.ts';
import { selectKeyTimes } from './store.ts';

/**
 * Gives every alg that has no unretired key a new key, active at once. On a first start that is
 * one ES256 and one RS256 key; afterwards normally nothing. Safe when instances start together.
 */
export async function ensureSigningKeys(
  db: Database,
  secrets: KeyEncryption,
  now: Date = new Date(),
): Promise<{ created: { kid: string; alg: SigningAlg }[] }> {
  return db.withAdvisoryLock(SIGNING_KEYS_LOCK, async (conn) => {
    const existing = await selectKeyTimes(conn);
    const missing = SIGNING_ALGS.filter(
      (alg) => !existing.some((k) => k.alg === alg && (k.retireAt === null || k.retireAt > now)),
    );
    if (missing.length === 0) return { created: [] };
    const keys = await Promise.all(missing.map(generateSigningKey));
    await conn.transaction(async (tx) => {
      for (const key of keys) await storeNewKey(tx, secrets, key, { publishAt: now, activateAt: now });
    });
    return { created: keys.map(({ kid, alg }) => ({ kid, alg })) };
  });
}
