// A card agent proves possession of the card's Authentication key by signing a fresh nonce of
// ours; the nonce works once, for its interaction, within its lifetime, and the signature must
// verify with the key of the certificate sent along.
import { createPrivateKey, sign, constants } from 'node:crypto';
import { createMemoryKeyValueStore } from '../../../src/store/kv.ts';
import { issueChallenge, verifyChallengeResponse } from '../../../src/eid/challenge.ts';
import { CertificateRefusedError, type RefusalReason } from '../../../src/eid/refusal.ts';
import { createHierarchy, type Hierarchy, type IssuedCertificate } from './sources/helpers/certificates.ts';

const kv = createMemoryKeyValueStore();
let pki: Hierarchy;
let ec384: IssuedCertificate;
let ec256: IssuedCertificate;
let rsa: IssuedCertificate;

beforeAll(async () => {
  pki = await createHierarchy('EC P-384');
  [ec384, ec256, rsa] = await Promise.all([pki.person('EC P-384'), pki.person('EC P-256'), pki.person('RSA 2048')]);
});

afterAll(() => kv.close());

type Encoding = 'ieee-p1363' | 'der';

/** What the card agent does: sign the decoded nonce bytes with the card's key. */
function cardSigns(card: IssuedCertificate, nonce: string, encoding: Encoding = 'ieee-p1363'): string {
  const key = createPrivateKey(card.keyPem);
  const data = Buffer.from(nonce, 'base64url');
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const signature =
    key.asymmetricKeyType === 'rsa'
      ? sign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING })
      : sign(curve === 'secp384r1' ? 'sha384' : 'sha256', data, { key, dsaEncoding: encoding });
  return signature.toString('base64url');
}

async function refusal(promise: Promise<unknown>): Promise<{ reason: RefusalReason; detail: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CertificateRefusedError) return { reason: err.reason, detail: err.detail };
    throw err;
  }
  throw new Error('expected a CertificateRefusedError');
}

test('a challenge is 32 random bytes in base64url with its expiry', async () => {
  const before = Date.now();
  const challenge = await issueChallenge(kv, { uid: 'i-1', ttlSeconds: 30 });
  expect(Buffer.from(challenge.nonce, 'base64url')).toHaveLength(32);
  expect(challenge.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(challenge.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 30_000);
  expect((await issueChallenge(kv, { uid: 'i-1', ttlSeconds: 30 })).nonce).not.toBe(challenge.nonce);
});

describe('a valid answer gives the certificate for validation, source card-agent', () => {
  test.each([
    ['EC P-384, raw r||s (96 bytes, as PKCS#11 returns it)', () => ec384, 'ieee-p1363' as Encoding],
    ['EC P-384, DER', () => ec384, 'der' as Encoding],
    ['EC P-256, raw r||s', () => ec256, 'ieee-p1363' as Encoding],
    ['EC P-256, DER', () => ec256, 'der' as Encoding],
    ['RSA 2048, PKCS#1 v1.5 with SHA-256', () => rsa, 'der' as Encoding],
  ])('%s', async (_name, card, encoding) => {
    const { nonce } = await issueChallenge(kv, { uid: 'i-ok', ttlSeconds: 30 });
    const signature = cardSigns(card(), nonce, encoding);
    const presented = await verifyChallengeResponse(kv, { uid: 'i-ok', nonce, leafDer: card().der, chain: [pki.issuing.der], signature });
    expect(presented.source).toBe('card-agent');
    expect(presented.leaf.equals(card().der)).toBe(true);
    expect(presented.chain).toEqual([pki.issuing.der]);
  });

  test('with the algorithm named and matching the key', async () => {
    const { nonce } = await issueChallenge(kv, { uid: 'i-alg', ttlSeconds: 30 });
    const presented = await verifyChallengeResponse(kv, { uid: 'i-alg', nonce, leafDer: ec384.der, signature: cardSigns(ec384, nonce), algorithm: 'ES384' });
    expect(presented.chain).toEqual([]);
  });
});

describe('refused as invalid_challenge_response', () => {
  test('a tampered signature', async () => {
    const { nonce } = await issueChallenge(kv, { uid: 'i-2', ttlSeconds: 30 });
    const signature = Buffer.from(cardSigns(ec384, nonce), 'base64url');
    signature[10]! ^= 0x01;
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-2', nonce, leafDer: ec384.der, signature: signature.toString('base64url') }));
    expect(refused.reason).toBe('invalid_challenge_response');
  });

  test('a signature by another key than the certificate says', async () => {
    const other = await pki.person('EC P-384', 'Mallory Test (Authentication)');
    const { nonce } = await issueChallenge(kv, { uid: 'i-3', ttlSeconds: 30 });
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-3', nonce, leafDer: ec384.der, signature: cardSigns(other, nonce) }));
    expect(refused.reason).toBe('invalid_challenge_response');
  });

  test('an RSA signature by another key', async () => {
    const other = await pki.person('RSA 2048', 'Mallory Test (Authentication)');
    const { nonce } = await issueChallenge(kv, { uid: 'i-3r', ttlSeconds: 30 });
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-3r', nonce, leafDer: rsa.der, signature: cardSigns(other, nonce) }));
    expect(refused.reason).toBe('invalid_challenge_response');
  });

  test('a signature over other bytes than the nonce', async () => {
    const { nonce } = await issueChallenge(kv, { uid: 'i-4', ttlSeconds: 30 });
    const { nonce: otherNonce } = await issueChallenge(kv, { uid: 'i-4', ttlSeconds: 30 });
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-4', nonce, leafDer: ec384.der, signature: cardSigns(ec384, otherNonce) }));
    expect(refused.reason).toBe('invalid_challenge_response');
  });

  test('a replayed nonce, even with a valid signature', async () => {
    const { nonce } = await issueChallenge(kv, { uid: 'i-5', ttlSeconds: 30 });
    const signature = cardSigns(ec384, nonce);
    await verifyChallengeResponse(kv, { uid: 'i-5', nonce, leafDer: ec384.der, signature });
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-5', nonce, leafDer: ec384.der, signature }));
    expect(refused).toEqual({ reason: 'invalid_challenge_response', detail: 'nonce unknown or already used' });
  });

  test('a failed answer uses the nonce up: no second try', async () => {
    const { nonce } = await issueChallenge(kv, { uid: 'i-6', ttlSeconds: 30 });
    await refusal(verifyChallengeResponse(kv, { uid: 'i-6', nonce, leafDer: ec384.der, signature: 'AAAA' }));
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-6', nonce, leafDer: ec384.der, signature: cardSigns(ec384, nonce) }));
    expect(refused.detail).toBe('nonce unknown or already used');
  });

  test('an expired nonce', async () => {
    const { nonce } = await issueChallenge(kv, { uid: 'i-7', ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-7', nonce, leafDer: ec384.der, signature: cardSigns(ec384, nonce) }));
    expect(refused).toEqual({ reason: 'invalid_challenge_response', detail: 'nonce expired' });
  });

  test('a nonce issued to another interaction', async () => {
    const { nonce } = await issueChallenge(kv, { uid: 'i-8', ttlSeconds: 30 });
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-9', nonce, leafDer: ec384.der, signature: cardSigns(ec384, nonce) }));
    expect(refused).toEqual({ reason: 'invalid_challenge_response', detail: 'nonce was issued for another interaction' });
  });

  test('a nonce we never issued', async () => {
    const invented = Buffer.alloc(32, 7).toString('base64url');
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-10', nonce: invented, leafDer: ec384.der, signature: cardSigns(ec384, invented) }));
    expect(refused.reason).toBe('invalid_challenge_response');
    expect((await refusal(verifyChallengeResponse(kv, { uid: 'i-10', nonce: 'x', leafDer: ec384.der, signature: 'AAAA' }))).reason).toBe('invalid_challenge_response');
  });

  test('an algorithm named that does not fit the key', async () => {
    const { nonce } = await issueChallenge(kv, { uid: 'i-11', ttlSeconds: 30 });
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-11', nonce, leafDer: ec384.der, signature: cardSigns(ec384, nonce), algorithm: 'RS256' }));
    expect(refused.reason).toBe('invalid_challenge_response');
  });

  test('a signature that is not base64url', async () => {
    const { nonce } = await issueChallenge(kv, { uid: 'i-12', ttlSeconds: 30 });
    const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-12', nonce, leafDer: ec384.der, signature: 'a+b/c=' }));
    expect(refused.reason).toBe('invalid_challenge_response');
  });
});

test('a certificate that does not parse is refused as malformed_certificate', async () => {
  const { nonce } = await issueChallenge(kv, { uid: 'i-13', ttlSeconds: 30 });
  const refused = await refusal(verifyChallengeResponse(kv, { uid: 'i-13', nonce, leafDer: Buffer.from('garbage'), signature: cardSigns(ec384, nonce) }));
  expect(refused.reason).toBe('malformed_certificate');
});
