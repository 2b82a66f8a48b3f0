// One place where @peculiar/x509 gets its crypto provider and where key types map to Web Crypto
// algorithms, so every part of the test PKI signs the same way.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

export { x509 };

/** Key types of the test PKI: current eID cards are EC P-384, older ones RSA 2048. */
export const KEY_TYPES = ['ec-p384', 'ec-p256', 'rsa-2048', 'rsa-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface KeyMaterial {
  type: KeyType;
  keys: CryptoKeyPair;
  /** PKCS#8 DER of the private key. */
  pkcs8: Buffer;
  /** PKCS#8 PEM of the private key ("BEGIN PRIVATE KEY"). */
  pem: string;
}

function generationAlgorithm(type: KeyType): webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams {
  switch (type) {
    case 'ec-p384':
      return { name: 'ECDSA', namedCurve: 'P-384' };
    case 'ec-p256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'rsa-2048':
    case 'rsa-4096':
      return {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: type === 'rsa-2048' ? 2048 : 4096,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      };
  }
}

/** The algorithm a key of this type signs certificates and CRLs with (as the eID CAs do). */
export function signingAlgorithm(type: KeyType): Algorithm | EcdsaParams {
  switch (type) {
    case 'ec-p384':
      return { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams;
    case 'ec-p256':
      return { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams;
    default:
      return { name: 'RSASSA-PKCS1-v1_5' };
  }
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

export async function generateKey(type: KeyType): Promise<KeyMaterial> {
  const keys = (await webcrypto.subtle.generateKey(generationAlgorithm(type), true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { type, keys, pkcs8, pem: toPem('PRIVATE KEY', pkcs8) };
}

/** A positive serial of 16 random bytes whose first byte is 01-7f, so its hex form is the same in DER, OpenSSL's index.txt and CRLs. */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! % 0x7f) + 1;
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
