import { createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { generateSigningKey } from '../../../src/keys/generate.ts';
import { longestSignedTokenLifetimeSeconds } from '../../../src/keys/rotate.ts';

describe('generateSigningKey', () => {
  it('makes a P-256 key for ES256, named by its RFC 7638 thumbprint', async () => {
    const key = await generateSigningKey('ES256');
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: key.kid });
    expect(key.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: key.kid });
    expect(key.privateJwk.d).toEqual(expect.any(String));
    expect(key.publicJwk.d).toBeUndefined();
    expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
  });

  it('makes a 2048-bit key for RS256 whose public JWK has no private members', async () => {
    const key = await generateSigningKey('RS256');
    expect(key.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: key.kid });
    expect(createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).asymmetricKeyDetails?.modulusLength).toBe(2048);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key.publicJwk).not.toHaveProperty(member);
  });

  it('never makes the same kid twice', async () => {
    const a = await generateSigningKey('ES256');
    const b = await generateSigningKey('ES256');
    expect(a.kid).not.toBe(b.kid);
  });
});

describe('longestSignedTokenLifetimeSeconds', () => {
  it('is the longest signed token lifetime plus the clock tolerance', () => {
    expect(
      longestSignedTokenLifetimeSeconds({ idTokenSeconds: 3600, accessTokenSeconds: 600, clientCredentialsSeconds: 7200, clockToleranceSeconds: 15 }),
    ).toBe(7215);
  });
});
