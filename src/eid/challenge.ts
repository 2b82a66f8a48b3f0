// Login through a card agent (a local program that talks to the card reader) instead of the
// browser's TLS handshake: we hand out a fresh nonce for the interaction, the agent has the card
// sign it with the Authentication key and sends back the signature with the certificate. A
// valid signature over our nonce proves possession of the key now, as the TLS handshake does;
// the certificate itself then goes through the normal validation.
import { X509Certificate, constants, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { KeyValueStore } from '../store/kv.ts';
import { CertificateRefusedError } from './refusal.ts';
import type { PresentedCertificate } from './types.ts';

export interface Challenge {
  /** 32 random bytes, base64url; the agent signs these bytes (decoded), not the text. */
  nonce: string;
  expiresAt: Date;
}

/**
 * ES384/ES256: ECDSA on P-384 with SHA-384 / on P-256 with SHA-256, the signature raw r||s
 * (what a card returns through PKCS#11) or DER. RS256: RSA PKCS#1 v1.5 with SHA-256 (older cards).
 */
export const CHALLENGE_ALGORITHMS = ['ES384', 'ES256', 'RS256'] as const;
export type ChallengeAlgorithm = (typeof CHALLENGE_ALGORITHMS)[number];

const NONCE = /^[A-Za-z0-9_-]{43}$/;
const SIGNATURE = /^[A-Za-z0-9_-]+$/;
/** Kept a little past expiry, so a late answer is refused as expired rather than unknown. */
const EXPIRED_GRACE_SECONDS = 60;

interface StoredChallenge {
  uid: string;
  exp: number;
}

const challengeKey = (nonce: string) => `eid:challenge:${nonce}`;
const refused = (detail: string) => new CertificateRefusedError('invalid_challenge_response', detail);

export async function issueChallenge(kv: KeyValueStore, input: { uid: string; ttlSeconds: number }): Promise<Challenge> {
  if (!input.uid || input.uid.length > 256) throw new RangeError('interaction uid must be 1 to 256 characters');
  if (!(input.ttlSeconds > 0)) throw new RangeError('challenge lifetime must be positive');
  const nonce = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + input.ttlSeconds * 1000);
  const stored: StoredChallenge = { uid: input.uid, exp: expiresAt.getTime() };
  await kv.set(challengeKey(nonce), JSON.stringify(stored), input.ttlSeconds + EXPIRED_GRACE_SECONDS);
  return { nonce, expiresAt };
}

/**
 * Uses up the nonce (one answer per nonce, right or wrong), checks it was issued to this
 * interaction and is still valid, and verifies the signature over the nonce bytes with the
 * leaf's public key. Returns the certificate for validation; throws CertificateRefusedError
 * ('invalid_challenge_response', or 'malformed_certificate' for a leaf that does not parse).
 */
export async function verifyChallengeResponse(
  kv: KeyValueStore,
  input: { uid: string; nonce: string; leafDer: Buffer; chain?: Buffer[]; signature: string; algorithm?: ChallengeAlgorithm },
): Promise<PresentedCertificate> {
  if (!NONCE.test(input.nonce)) throw refused('nonce is not well-formed');
  const raw = await kv.take(challengeKey(input.nonce));
  if (raw === undefined) throw refused('nonce unknown or already used');
  const stored = JSON.parse(raw) as StoredChallenge;
  if (Date.now() >= stored.exp) throw refused('nonce expired');
  if (stored.uid !== input.uid) throw refused('nonce was issued for another interaction');

  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(input.leafDer);
  } catch (err) {
    throw new CertificateRefusedError('malformed_certificate', 'card agent certificate does not parse as X.509', { cause: err });
  }
  if (!SIGNATURE.test(input.signature)) throw refused('signature is not base64url');
  const signature = Buffer.from(input.signature, 'base64url');
  const algorithm = algorithmFor(leaf.publicKey);
  if (input.algorithm !== undefined && input.algorithm !== algorithm) {
    throw refused(`algorithm ${input.algorithm} does not fit the certificate's ${algorithm} key`);
  }
  if (!signatureVerifies(algorithm, leaf.publicKey, Buffer.from(input.nonce, 'base64url'), signature)) {
    throw refused(`${algorithm} signature over the nonce does not verify with the certificate's key`);
  }
  return { leaf: Buffer.from(input.leafDer), chain: input.chain ?? [], source: 'card-agent' };
}

function algorithmFor(key: KeyObject): ChallengeAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'prime256v1') return 'ES256';
    throw refused(`EC curve ${curve ?? 'unknown'} is not accepted`);
  }
  throw refused(`key type ${key.asymmetricKeyType ?? 'unknown'} is not accepted`);
}

function signatureVerifies(algorithm: ChallengeAlgorithm, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  if (algorithm === 'RS256') return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  const [hash, coordinateBytes] = algorithm === 'ES384' ? (['sha384', 48] as const) : (['sha256', 32] as const);
  // Both encodings carry the same (r, s); which one the agent used shows in the bytes.
  const encodings: ('ieee-p1363' | 'der')[] = [];
  if (signature.length === 2 * coordinateBytes) encodings.push('ieee-p1363');
  if (signature[0] === 0x30) encodings.push('der');
  return encodings.some((dsaEncoding) => {
    try {
      return verify(hash, data, { key, dsaEncoding }, signature);
    } catch {
      return false;
    }
  });
}
