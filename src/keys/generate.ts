// Fresh key pairs as JWKs. The kid is the RFC 7638 thumbprint of the public key: unique per key
// material (oidc-provider v9 rejects duplicate kids) and reproducible by anyone holding the JWKS.
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningAlg } from './algorithms.ts';

export interface GeneratedSigningKey {
  kid: string;
  alg: SigningAlg;
  privateJwk: JWK;
  publicJwk: JWK;
}

function newKeyPair(alg: SigningAlg): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  // The asynchronous form keeps the event loop free while a 2048-bit RSA key is searched for.
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) =>
      err ? reject(err) : resolve({ publicKey, privateKey });
    if (alg === 'ES256') generateKeyPair('ec', { namedCurve: 'P-256' }, done);
    else generateKeyPair('rsa', { modulusLength: 2048 }, done);
  });
}

export async function generateSigningKey(alg: SigningAlg): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } = await newKeyPair(alg);
  const publicMaterial = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(publicMaterial, 'sha256');
  const members = { kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), ...members },
    publicJwk: { ...publicMaterial, ...members },
  };
}
