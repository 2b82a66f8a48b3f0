// Where a certificate says its revocation information is, and what the checker does when it says
// nothing or is handed the wrong issuer.
import pino from 'pino';
import { generateTestPki, type TestPki } from '../../../../src/eid/pki/index.ts';
import { createRevocationChecker, crlUrlsOf, normalizeSerial, ocspUrlsOf } from '../../../../src/eid/revocation/index.ts';
import { parseCertificate } from '../../../../src/eid/revocation/certificate.ts';
import { CertificateRefusedError } from '../../../../src/eid/refusal.ts';
import { createMetrics } from '../../../../src/observability/metrics.ts';
import { createMemoryKeyValueStore } from '../../../../src/store/kv.ts';

const ELISE = { key: 'elise', nationalNumber: '85031204642', givenName: 'Élise', familyName: 'Dubois-Janssens' };
let pki: TestPki;
const kv = createMemoryKeyValueStore();

beforeAll(async () => {
  pki = await generateTestPki({ ocspUrl: 'http://ocsp.test.invalid/eid/{ca}', crlBaseUrl: 'http://crl.test.invalid/eid', persons: [ELISE] });
});
afterAll(() => kv.close());

function checker(mode: 'ocsp' | 'crl', failMode: 'closed' | 'open' = 'closed') {
  return createRevocationChecker({ kv, mode, failMode, timeoutMs: 500, logger: pino({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
}

test('the OCSP URL comes from the AIA extension, the CRL URL from the distribution points', () => {
  const leaf = parseCertificate(pki.card('elise').authentication.der);
  expect(ocspUrlsOf(leaf)).toEqual(['http://ocsp.test.invalid/eid/citizen']);
  expect(crlUrlsOf(leaf)).toEqual(['http://crl.test.invalid/eid/citizen.crl']);
});

test('a certificate without them has none', async () => {
  const bare = await pki.issue('citizen', { person: ELISE, ocspUrl: null, crlUrl: null });
  expect(ocspUrlsOf(parseCertificate(bare.der))).toEqual([]);
  expect(crlUrlsOf(parseCertificate(bare.der))).toEqual([]);
});

test('serials are compared as lowercase hex without leading zero octets', () => {
  expect(normalizeSerial(new Uint8Array([0x00, 0x8a, 0x01]))).toBe('8a01');
  expect(normalizeSerial(new Uint8Array([0x00]))).toBe('00');
});

test('without an OCSP URL or a CRL distribution point the status is unavailable; fail open soft-fails', async () => {
  const bare = await pki.issue('citizen', { person: ELISE, ocspUrl: null, crlUrl: null });
  const issuer = pki.cas.citizen.certificate.der;
  const ocsp = await checker('ocsp').check(bare.der, issuer).catch((e: unknown) => e);
  expect(ocsp).toMatchObject({ reason: 'revocation_unavailable', detail: expect.stringMatching(/no OCSP URL/) });
  const crl = await checker('crl').check(bare.der, issuer).catch((e: unknown) => e);
  expect(crl).toMatchObject({ reason: 'revocation_unavailable', detail: expect.stringMatching(/no http CRL distribution point/) });
  await expect(checker('crl', 'open').check(bare.der, issuer)).resolves.toEqual({ status: 'soft-failed', reason: expect.stringMatching(/no http CRL/) });
});

test('an issuer that did not issue the certificate is a caller error, named as such', async () => {
  const error = await checker('ocsp').check(pki.card('elise').authentication.der, pki.cas.foreigner.certificate.der).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CertificateRefusedError);
  expect(error).toMatchObject({ reason: 'unknown_issuer' });
});

test('bytes that are not a certificate are refused as malformed', async () => {
  await expect(checker('ocsp').check(Buffer.from('not a certificate'), pki.cas.citizen.certificate.der)).rejects.toMatchObject({ reason: 'malformed_certificate' });
});
