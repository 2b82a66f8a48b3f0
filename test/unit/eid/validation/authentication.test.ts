import { beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_PERSONS } from '../../../../src/directory/seed.ts';
import { generateKey, issueCertificate, personSubject, x509, type TestPki } from '../../../../src/eid/pki/index.ts';
import { CertificateRefusedError, type RefusalReason } from '../../../../src/eid/refusal.ts';
import type { PresentedCertificate } from '../../../../src/eid/types.ts';
import { trustStoreFromCertificates, validateAuthenticationCertificate, type TrustStore, type ValidationOptions } from '../../../../src/eid/validation/index.ts';
import { DEFAULT_VALIDATION, freshTestPki, presentation, sharedTestPki, tamperSignature, trustStoreOf } from '../../../support/pki.ts';

const DAY = 24 * 3600 * 1000;
const elise = DEMO_PERSONS.find((p) => p.key === 'elise')!;

let pki: TestPki;
let trust: TrustStore;

beforeAll(async () => {
  pki = await sharedTestPki();
  trust = trustStoreOf(pki);
});

function refusal(presented: PresentedCertificate, options: Partial<ValidationOptions> = {}, store: TrustStore = trust): CertificateRefusedError {
  try {
    validateAuthenticationCertificate(presented, store, { ...DEFAULT_VALIDATION, ...options });
  } catch (err) {
    if (err instanceof CertificateRefusedError) return err;
    throw err;
  }
  throw new Error('the certificate was accepted');
}

function expectRefused(presented: PresentedCertificate, reason: RefusalReason, options: Partial<ValidationOptions> = {}, store?: TrustStore): CertificateRefusedError {
  const err = refusal(presented, options, store);
  expect(err.reason).toBe(reason);
  // The national number never reaches logs or audit through the refusal.
  for (const person of DEMO_PERSONS) {
    expect(err.detail).not.toContain(person.nationalNumber);
    expect(err.message).not.toContain(person.nationalNumber);
  }
  return err;
}

describe('validateAuthenticationCertificate accepts', () => {
  it('a citizen card with an EC P-384 key, presented with its chain', () => {
    const card = pki.card('elise');
    const result = validateAuthenticationCertificate(presentation(card.authentication, pki.chainFor('citizen')), trust, DEFAULT_VALIDATION);
    expect(result.holder).toMatchObject({ nationalNumber: '85031204642', kind: 'rrn', givenName: 'Élise', familyName: 'Dubois-Janssens' });
    expect(result.holder.certificate).toMatchObject({
      serialNumber: card.authentication.serialNumber,
      keyAlgorithm: 'EC P-384',
      policies: ['2.16.56.12.1.1.2.2'],
      notAfter: card.authentication.certificate.notAfter,
    });
    // The subject carries the national number in serialNumber: masked, so it can be logged.
    expect(result.holder.certificate.subject).toBe('C=BE, CN=Élise Dubois-Janssens (Authentication), SN=Dubois-Janssens, GN=Élise, serialNumber=85.03.12-***.**');
    expect(result.holder.certificate.issuer).toContain('CN=Citizen TEST CA');
    expect(result.holder.certificate.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.issuer.equals(pki.cas.citizen.certificate.der)).toBe(true);
    expect(result.chain.map((c) => c.toString('hex'))).toEqual([pki.cas.citizen.certificate.der.toString('hex'), pki.root.der.toString('hex')]);
  });

  it('an older citizen card with an RSA 2048 key', () => {
    const card = pki.card('elise', 'rsa-2048');
    const result = validateAuthenticationCertificate(presentation(card.authentication, pki.chainFor('citizen')), trust, DEFAULT_VALIDATION);
    expect(result.holder.certificate.keyAlgorithm).toBe('RSA');
    expect(result.holder.nationalNumber).toBe('85031204642');
  });

  it('a foreigner card with a BIS number, issued by the Foreigner CA, names with accents intact', () => {
    const card = pki.card('lukasz');
    const result = validateAuthenticationCertificate(presentation(card.authentication, pki.chainFor('foreigner')), trust, DEFAULT_VALIDATION);
    expect(result.holder).toMatchObject({ nationalNumber: '90472113301', kind: 'bis', givenName: 'Łukasz', familyName: 'Wiśniewski-Müller' });
    expect(result.holder.certificate.policies).toEqual(['2.16.56.12.1.1.7.2']);
    expect(result.issuer.equals(pki.cas.foreigner.certificate.der)).toBe(true);
  });

  it('a card of someone born after 2000 (check digits over 2YYMMDDNNN)', () => {
    const result = validateAuthenticationCertificate(presentation(pki.card('noemie').authentication, pki.chainFor('citizen')), trust, DEFAULT_VALIDATION);
    expect(result.holder).toMatchObject({ nationalNumber: '02110512468', kind: 'rrn', givenName: 'Noémie', familyName: 'Van den Broeck' });
  });

  it('the leaf alone when the issuing CA is configured as intermediate', () => {
    const result = validateAuthenticationCertificate(presentation(pki.card('elise').authentication), trustStoreOf(pki, true), DEFAULT_VALIDATION);
    expect(result.issuer.equals(pki.cas.citizen.certificate.der)).toBe(true);
    expect(result.chain).toHaveLength(2);
  });

  it('the leaf with only its issuing CA, the root coming from the trust store', () => {
    const result = validateAuthenticationCertificate(presentation(pki.card('lukasz').authentication, [pki.cas.foreigner.certificate.der]), trust, DEFAULT_VALIDATION);
    expect(result.holder.kind).toBe('bis');
  });

  it('a certificate that becomes valid or expired within the tolerated clock skew', async () => {
    const now = new Date();
    const early = await pki.issue('citizen', { person: elise, notBefore: new Date(now.getTime() + 30_000) });
    const late = await pki.issue('citizen', { person: elise, notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() - 30_000) });
    for (const cert of [early, late]) {
      expect(() => validateAuthenticationCertificate(presentation(cert, pki.chainFor('citizen')), trust, { ...DEFAULT_VALIDATION, clockSkewSeconds: 60, now })).not.toThrow();
    }
    expectRefused(presentation(early, pki.chainFor('citizen')), 'not_yet_valid', { clockSkewSeconds: 0, now });
    expectRefused(presentation(late, pki.chainFor('citizen')), 'expired', { clockSkewSeconds: 0, now });
  });
});

describe('validateAuthenticationCertificate refuses', () => {
  it('an expired certificate as expired', async () => {
    const cert = await pki.issue('citizen', { person: elise, notBefore: new Date(Date.now() - 3 * 365 * DAY), notAfter: new Date(Date.now() - DAY) });
    expect(expectRefused(presentation(cert, pki.chainFor('citizen')), 'expired').detail).toContain("the person's certificate expired");
  });

  it('a certificate that is not valid yet as not_yet_valid', async () => {
    const cert = await pki.issue('citizen', { person: elise, notBefore: new Date(Date.now() + DAY) });
    expectRefused(presentation(cert, pki.chainFor('citizen')), 'not_yet_valid');
  });

  it('a certificate under another root as unknown_issuer', async () => {
    const other = await freshTestPki({ persons: [] });
    const cert = await other.issue('citizen', { person: elise });
    expectRefused(presentation(cert, other.chainFor('citizen')), 'unknown_issuer');
  });

  it('a self-signed certificate as unknown_issuer', async () => {
    const cert = await issueCertificate({
      subject: personSubject(elise, 'Authentication'),
      signer: 'self',
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.CertificatePolicyExtension(['2.16.56.12.1.1.2.2'])],
    });
    expect(expectRefused(presentation(cert), 'unknown_issuer').detail).toContain('self-signed');
  });

  it('the Signature certificate as signature_certificate, telling to pick the Authentication certificate', () => {
    const err = expectRefused(presentation(pki.card('elise').signature, pki.chainFor('citizen')), 'signature_certificate');
    expect(err.detail).toMatch(/Authentication certificate/);
  });

  it('a key usage without digitalSignature as wrong_key_usage', async () => {
    const cert = await pki.issue('citizen', { person: elise, keyUsage: x509.KeyUsageFlags.keyAgreement });
    expectRefused(presentation(cert, pki.chainFor('citizen')), 'wrong_key_usage');
  });

  it('a certificate without key usage as wrong_key_usage', async () => {
    const cert = await pki.issue('citizen', { person: elise, keyUsage: null });
    expectRefused(presentation(cert, pki.chainFor('citizen')), 'wrong_key_usage');
  });

  it('an extended key usage without clientAuth as wrong_key_usage', async () => {
    const cert = await pki.issue('citizen', { person: elise, extendedKeyUsage: [x509.ExtendedKeyUsage.serverAuth] });
    expect(expectRefused(presentation(cert, pki.chainFor('citizen')), 'wrong_key_usage').detail).toContain('extendedKeyUsage');
  });

  it('an unknown policy as policy_not_allowed, and no policy at all too', async () => {
    const unknown = await pki.issue('citizen', { person: elise, policies: ['1.3.6.1.4.1.99999.1'] });
    expect(expectRefused(presentation(unknown, pki.chainFor('citizen')), 'policy_not_allowed').detail).toContain('1.3.6.1.4.1.99999.1');
    const none = await pki.issue('citizen', { person: elise, policies: null });
    expectRefused(presentation(none, pki.chainFor('citizen')), 'policy_not_allowed');
  });

  it('a policy that the operator did not allow as policy_not_allowed', () => {
    expectRefused(presentation(pki.card('lukasz').authentication, pki.chainFor('foreigner')), 'policy_not_allowed', { allowedPolicies: ['2.16.56.12.1.1.2.2'] });
  });

  it('a subject without serialNumber as invalid_identity', async () => {
    const cert = await pki.issue('citizen', { person: { givenName: 'Élise', familyName: 'Dubois-Janssens' } });
    expect(expectRefused(presentation(cert, pki.chainFor('citizen')), 'invalid_identity').detail).toContain('no serialNumber');
  });

  it('a national number with a wrong check digit as invalid_identity, without naming the number', async () => {
    const cert = await pki.issue('citizen', { person: { ...elise, nationalNumber: '85031204643' } });
    const err = expectRefused(presentation(cert, pki.chainFor('citizen')), 'invalid_identity');
    expect(err.detail).not.toContain('85031204643');
    expect(err.message).not.toContain('85031204643');
  });

  it('a national number with separators or letters as invalid_identity', async () => {
    const cert = await pki.issue('citizen', { person: { ...elise, nationalNumber: '85.03.12-046.42' } });
    expectRefused(presentation(cert, pki.chainFor('citizen')), 'invalid_identity');
  });

  it('a subject without surname as invalid_identity', async () => {
    const cert = await pki.issue('citizen', { subject: [['C', 'BE'], ['CN', 'Élise (Authentication)'], ['GN', 'Élise'], ['serialNumber', elise.nationalNumber]] });
    expectRefused(presentation(cert, pki.chainFor('citizen')), 'invalid_identity');
  });

  it('a tampered certificate (one byte of its signature flipped) as invalid_signature', () => {
    const tampered = tamperSignature(pki.card('elise').authentication.der);
    expectRefused(presentation(tampered, pki.chainFor('citizen')), 'invalid_signature');
  });

  it('a tampered intermediate as invalid_signature', () => {
    const chain = [tamperSignature(pki.cas.citizen.certificate.der), pki.root.der];
    expectRefused(presentation(pki.card('elise').authentication, chain), 'invalid_signature');
  });

  it('a CA certificate presented as the person certificate as not_an_end_entity', async () => {
    expectRefused(presentation(pki.cas.citizen.certificate, [pki.root.der]), 'not_an_end_entity');
    const leafWithCaFlag = await pki.issue('citizen', { person: elise, basicConstraints: { ca: true } });
    expectRefused(presentation(leafWithCaFlag, pki.chainFor('citizen')), 'not_an_end_entity');
  });

  it('a CA below the Citizen CA (pathLen 0) as not_an_end_entity', async () => {
    const subCa = await pki.issue('citizen', {
      subject: [['C', 'BE'], ['CN', 'Sub TEST CA']],
      basicConstraints: { ca: true },
      keyUsage: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
      extendedKeyUsage: null,
      policies: null,
    });
    const leaf = await issueCertificate({
      subject: personSubject(elise, 'Authentication'),
      signer: { certificate: subCa },
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.CertificatePolicyExtension(['2.16.56.12.1.1.2.2'])],
    });
    expect(expectRefused(presentation(leaf, [subCa.der, ...pki.chainFor('citizen')]), 'not_an_end_entity').detail).toContain('allows 0');
  });

  it('a certificate issued by an end-entity certificate as not_an_end_entity', async () => {
    const issuerCard = pki.card('noemie').authentication;
    const leaf = await issueCertificate({
      subject: personSubject(elise, 'Authentication'),
      signer: { certificate: issuerCard },
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.CertificatePolicyExtension(['2.16.56.12.1.1.2.2'])],
    });
    expectRefused(presentation(leaf, [issuerCard.der, ...pki.chainFor('citizen')]), 'not_an_end_entity');
  });

  it('a chain loop (two CAs that issued each other) as unknown_issuer', async () => {
    const keyX = await generateKey('ec-p384');
    const keyY = await generateKey('ec-p384');
    const validity = { notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + DAY) };
    const caExt = () => [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)];
    const yFirst = await issueCertificate({ subject: [['CN', 'Loop TEST CA Y']], signer: 'self', key: keyY, ...validity, extensions: caExt() });
    const x = await issueCertificate({ subject: [['CN', 'Loop TEST CA X']], signer: { certificate: yFirst }, key: keyX, ...validity, extensions: caExt() });
    const y = await issueCertificate({ subject: [['CN', 'Loop TEST CA Y']], signer: { certificate: x }, key: keyY, ...validity, extensions: caExt() });
    const leaf = await issueCertificate({
      subject: personSubject(elise, 'Authentication'),
      signer: { certificate: x },
      ...validity,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.CertificatePolicyExtension(['2.16.56.12.1.1.2.2'])],
    });
    expect(expectRefused(presentation(leaf, [x.der, y.der]), 'unknown_issuer').detail).toContain('loop');
  });

  it('a truncated certificate as malformed_certificate', () => {
    const der = pki.card('elise').authentication.der;
    expectRefused(presentation(der.subarray(0, der.length - 20), pki.chainFor('citizen')), 'malformed_certificate');
    expectRefused(presentation(der.subarray(0, 1)), 'malformed_certificate');
  });

  it('bytes after the certificate and garbage as malformed_certificate', () => {
    const der = pki.card('elise').authentication.der;
    expectRefused(presentation(Buffer.concat([der, Buffer.from([0])]), pki.chainFor('citizen')), 'malformed_certificate');
    expectRefused(presentation(Buffer.from('not a certificate at all')), 'malformed_certificate');
  });

  it('a garbled certificate in the presented chain as malformed_certificate', () => {
    expectRefused(presentation(pki.card('elise').authentication, [Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])]), 'malformed_certificate');
  });

  it('oversized input as malformed_certificate: a certificate over 16 KiB, or more than 8 certificates', () => {
    const big = Buffer.alloc(17 * 1024, 0x30);
    expect(expectRefused(presentation(big), 'malformed_certificate').detail).toContain('limit');
    const chain = Array.from({ length: 8 }, () => pki.cas.citizen.certificate.der);
    expectRefused(presentation(pki.card('elise').authentication, chain), 'malformed_certificate');
  });

  it('an empty presentation as no_certificate', () => {
    expectRefused(presentation(Buffer.alloc(0)), 'no_certificate');
  });

  it('an expired issuing CA as expired, naming that CA', async () => {
    const caNotAfter = pki.cas.citizen.certificate.certificate.notAfter;
    const outlivesItsCa = await pki.issue('citizen', { person: elise, notAfter: new Date(caNotAfter.getTime() + 30 * DAY) });
    const err = expectRefused(presentation(outlivesItsCa, pki.chainFor('citizen')), 'expired', { now: new Date(caNotAfter.getTime() + DAY) });
    expect(err.detail).toContain('CA "Citizen TEST CA" expired');
  });

  it('an unknown critical extension as malformed_certificate', async () => {
    const cert = await pki.issue('citizen', { person: elise, extensions: [new x509.Extension('1.3.6.1.4.1.99999.7', true, new Uint8Array([0x05, 0x00]))] });
    expectRefused(presentation(cert, pki.chainFor('citizen')), 'malformed_certificate');
  });

  it('an anchor the operator did not configure: a trust store of the other root refuses our cards', async () => {
    const other = await freshTestPki({ persons: [] });
    const otherTrust = trustStoreFromCertificates({ anchors: [other.root.pem] });
    expectRefused(presentation(pki.card('elise').authentication, pki.chainFor('citizen')), 'unknown_issuer', {}, otherTrust);
  });
});
