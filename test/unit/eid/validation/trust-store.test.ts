import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateDer, parseCertificate, pemCertificates } from '../../../../src/eid/certificate.ts';
import type { TestPki } from '../../../../src/eid/pki/index.ts';
import { CertificateRefusedError } from '../../../../src/eid/refusal.ts';
import { TrustStoreError, loadTrustStore, trustStoreFromCertificates, validateAuthenticationCertificate } from '../../../../src/eid/validation/index.ts';
import { DEFAULT_VALIDATION, presentation, sharedTestPki } from '../../../support/pki.ts';

let pki: TestPki;
let dir: string;

beforeAll(async () => {
  pki = await sharedTestPki();
  dir = mkdtempSync(join(tmpdir(), 'cidp-trust-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadTrustStore', () => {
  it('reads anchors and intermediates from PEM files (several per file) and DER files', () => {
    writeFileSync(join(dir, 'root.pem'), pki.root.pem);
    writeFileSync(join(dir, 'cas.pem'), pki.cas.citizen.certificate.pem + pki.cas.foreigner.certificate.pem);
    writeFileSync(join(dir, 'foreigner.der'), pki.cas.foreigner.certificate.der);
    const store = loadTrustStore({ anchors: [join(dir, 'root.pem')], intermediates: [join(dir, 'cas.pem'), join(dir, 'foreigner.der')] });
    expect(store.anchors).toHaveLength(1);
    // The foreigner CA appears twice and is kept once.
    expect(store.intermediates).toHaveLength(2);
    const result = validateAuthenticationCertificate(presentation(pki.card('lukasz').authentication), store, DEFAULT_VALIDATION);
    expect(result.holder.kind).toBe('bis');
  });

  it('names the file when it is missing, holds no certificate, or holds a certificate that is not a CA', () => {
    expect(() => loadTrustStore({ anchors: [join(dir, 'missing.pem')], intermediates: [] })).toThrow(/missing\.pem/);
    writeFileSync(join(dir, 'empty.pem'), '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
    expect(() => loadTrustStore({ anchors: [join(dir, 'empty.pem')], intermediates: [] })).toThrow(TrustStoreError);
    writeFileSync(join(dir, 'leaf.pem'), pki.card('elise').authentication.pem);
    expect(() => loadTrustStore({ anchors: [join(dir, 'leaf.pem')], intermediates: [] })).toThrow(/leaf\.pem: .* is not a CA certificate/);
    expect(() => loadTrustStore({ anchors: [], intermediates: [] })).toThrow(/no trust anchor/);
  });
});

describe('trustStoreFromCertificates', () => {
  it('takes DER buffers and PEM strings', () => {
    const store = trustStoreFromCertificates({ anchors: [pki.root.pem], intermediates: [pki.cas.citizen.certificate.der] });
    expect(store.anchors[0]!.der.equals(pki.root.der)).toBe(true);
    expect(store.intermediates).toHaveLength(1);
  });
});

describe('parseCertificate', () => {
  it('reads PEM and DER alike and gives serial, validity, SPKI and fingerprint', () => {
    const card = pki.card('elise', 'rsa-2048').authentication;
    const fromPem = parseCertificate(card.pem);
    const fromDer = parseCertificate(card.der);
    expect(fromPem.sha256).toBe(fromDer.sha256);
    expect(fromDer.serialNumber).toBe(card.serialNumber);
    expect(fromDer.notAfter).toEqual(card.certificate.notAfter);
    expect(fromDer.publicKey).toEqual({ type: 'rsa', bits: 2048 });
    expect(fromDer.issuer.text).toContain('CN=Citizen TEST CA');
    expect(fromDer.authorityKeyIdentifier).toBe(parseCertificate(pki.cas.citizen.certificate.der).subjectKeyIdentifier);
  });

  it('refuses PEM with two certificates where one is expected, and PEM without any', () => {
    const refused = (input: string) => {
      try {
        certificateDer(input);
      } catch (err) {
        return (err as CertificateRefusedError).reason;
      }
      return 'accepted';
    };
    expect(refused(pki.root.pem + pki.cas.citizen.certificate.pem)).toBe('malformed_certificate');
    expect(refused('-----BEGIN NOTHING-----')).toBe('malformed_certificate');
    expect(pemCertificates(pki.root.pem + pki.cas.citizen.certificate.pem)).toHaveLength(2);
  });
});
