// The only place a private key is written: sealed, bound to its kid.
import { seal } from '../crypto/secrets.ts';
import type { Queryable } from '../store/database.ts';
import type { GeneratedSigningKey } from './generate.ts';
import { sealContext, type KeyEncryption } from './key-set.ts';
import { insertKey } from './store.ts';

export interface KeySchedule {
  publishAt: Date;
  activateAt: Date;
}

export async function storeNewKey(db: Queryable, secrets: KeyEncryption, key: GeneratedSigningKey, schedule: KeySchedule): Promise<void> {
  await insertKey(db, {
    kid: key.kid,
    alg: key.alg,
    privateJwkSealed: seal(secrets.keyEncryptionKey, JSON.stringify(key.privateJwk), sealContext(key.kid)),
    publicJwk: key.publicJwk,
    publishAt: schedule.publishAt,
    activateAt: schedule.activateAt,
    retireAt: null,
  });
}
