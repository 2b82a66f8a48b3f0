// Every secret the service needs is derived from one master key with HKDF, each under its own
// label, so that operators manage a single value and no derived key is used for two purposes.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export interface Secrets {
  /** AES-256-GCM key that encrypts signing keys at rest. */
  keyEncryptionKey: Buffer;
  /** AES-256-GCM key that encrypts national register numbers at rest. */
  personalDataKey: Buffer;
  /** HMAC-SHA-256 key for the national register number lookup hash. */
  lookupHashKey: Buffer;
  /** Keys oidc-provider signs its cookies with (first one signs, all verify). */
  cookieKeys: string[];
  /** HMAC key for pairwise subject identifiers. */
  pairwiseKey: Buffer;
  /** Secret oidc-provider derives DPoP nonces from; shared so any instance accepts them. */
  dpopNonceSecret: Buffer;
}

function derive(master: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `capacity-idp/${label}/v1`, 32));
}

export function deriveSecrets(masterKeyBase64: string): Secrets {
  const master = Buffer.from(masterKeyBase64, 'base64');
  if (master.length !== 32) throw new Error('master key must be 32 bytes');
  return {
    keyEncryptionKey: derive(master, 'key-encryption'),
    personalDataKey: derive(master, 'personal-data'),
    lookupHashKey: derive(master, 'lookup-hash'),
    cookieKeys: [derive(master, 'cookies').toString('base64url')],
    pairwiseKey: derive(master, 'pairwise-subject'),
    dpopNonceSecret: derive(master, 'dpop-nonce'),
  };
}

export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * AES-256-GCM with a random 96-bit nonce. Output: "v1." + base64url(nonce || ciphertext || tag).
 * `context` is bound as additional data, so a ciphertext moved to another row does not decrypt.
 */
export function seal(key: Buffer, plaintext: string | Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `v1.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

export class DecryptionError extends Error {
  constructor(context: string) {
    super(`cannot decrypt ${context}: wrong master key or tampered data`);
    this.name = 'DecryptionError';
  }
}

export function open(key: Buffer, sealed: string, context: string): Buffer {
  if (!sealed.startsWith('v1.')) throw new DecryptionError(context);
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  if (raw.length < 28) throw new DecryptionError(context);
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
  } catch {
    throw new DecryptionError(context);
  }
}

/** Deterministic keyed hash for lookups of values that are stored only encrypted. */
export function lookupHash(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}
