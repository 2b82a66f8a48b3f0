// Helpers for tests that need eID certificates: one TEST PKI per test file (generation takes a
// few hundred milliseconds), trust stores over it, presentations and OpenSSL on the side.
import { spawnSync } from 'node:child_process';
import { BELGIAN_EID_AUTHENTICATION_POLICIES } from '../../src/config/schema.ts';
import { generateTestPki, type IssuedCertificate, type TestPki, type TestPkiOptions } from '../../src/eid/pki/index.ts';
import type { CertificateSource, PresentedCertificate } from '../../src/eid/types.ts';
import { trustStoreFromCertificates, type TrustStore } from '../../src/eid/validation/index.ts';

let shared: Promise<TestPki> | undefined;

/** The demo persons with EC P-384 and RSA 2048 cards, generated once per test file. */
export function sharedTestPki(): Promise<TestPki> {
  shared ??= generateTestPki({ rsaCards: true, ocspUrl: 'http://127.0.0.1:2560/{ca}', crlBaseUrl: 'http://127.0.0.1:2561/crl' });
  return shared;
}

export function freshTestPki(options: TestPkiOptions = {}): Promise<TestPki> {
  return generateTestPki(options);
}

/** Trusts the test root; with `withIntermediates` the Citizen and Foreigner CA are configured too. */
export function trustStoreOf(pki: TestPki, withIntermediates = false): TrustStore {
  return trustStoreFromCertificates({
    anchors: [pki.root.der],
    intermediates: withIntermediates ? [pki.cas.citizen.certificate.der, pki.cas.foreigner.certificate.der] : [],
  });
}

export function presentation(leaf: IssuedCertificate | Buffer, chain: Buffer[] = [], source: CertificateSource = 'tls'): PresentedCertificate {
  return { leaf: Buffer.isBuffer(leaf) ? leaf : leaf.der, chain, source };
}

export const DEFAULT_VALIDATION = { allowedPolicies: BELGIAN_EID_AUTHENTICATION_POLICIES, clockSkewSeconds: 60 } as const;

/** Flips the last byte of the DER, which lies in the signature value: the certificate still parses. */
export function tamperSignature(der: Buffer): Buffer {
  const copy = Buffer.from(der);
  const last = copy.length - 1;
  copy.writeUInt8(copy.readUInt8(last) ^ 0x01, last);
  return copy;
}

export function openssl(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('openssl', args, { input, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
