// OCSP answers OpenSSL's responder does not give: built here with pkijs and signed with the test
// PKI's real delegated responder key, handed over through the checker's fetch option.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import pino from 'pino';
import { generateTestPki, type IssuedCertificate, type TestPki } from '../../../../src/eid/pki/index.ts';
import { createRevocationChecker, ocspCacheKey, type RevocationCheckerOptions } from '../../../../src/eid/revocation/index.ts';
import { cryptoEngine, issuerIdOf, parseCertificate, serialOf } from '../../../../src/eid/revocation/certificate.ts';
import { CertificateRefusedError } from '../../../../src/eid/refusal.ts';
import { createMetrics } from '../../../../src/observability/metrics.ts';
import { createMemoryKeyValueStore, type KeyValueStore } from '../../../../src/store/kv.ts';

const OID_NONCE = '1.3.6.1.5.5.7.48.1.2';
const HOUR = 3600_000;

interface ResponseSpec {
  /** Echo the request's nonce (default), leave it out, or put another one in. */
  nonce?: 'echo' | 'absent' | 'other';
  thisUpdate?: Date;
  nextUpdate?: Date | null;
  hash?: 'SHA-1' | 'SHA-256';
  /** Answer about another certificate than the one asked for. */
  about?: IssuedCertificate;
  status?: 'good' | 'unknown';
  responseStatus?: number;
}

let pki: TestPki;
let leaf: IssuedCertificate;
let other: IssuedCertificate;
const stores: { close(): void }[] = [];

beforeAll(async () => {
  pki = await generateTestPki({
    ocspUrl: 'http://ocsp.test.invalid/{ca}',
    crlBaseUrl: 'http://crl.test.invalid/crl',
    persons: [{ key: 'elise', nationalNumber: '85031204642', givenName: 'Élise', familyName: 'Dubois-Janssens' }],
  });
  leaf = pki.card('elise').authentication;
  other = pki.card('elise').signature;
});

afterAll(() => stores.forEach((s) => s.close()));

/** A responder in process: reads our request, answers as the spec says, signed by the CA's delegated responder. */
function responder(spec: ResponseSpec, seen: { requests: number }): typeof fetch {
  return async (_input, init) => {
    seen.requests++;
    const request = pkijs.OCSPRequest.fromBER(new Uint8Array(init!.body as Uint8Array));
    const ca = pki.cas.citizen;
    if (spec.responseStatus !== undefined) {
      return new Response(new Uint8Array(new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: spec.responseStatus }) }).toSchema().toBER(false)));
    }
    const certID = new pkijs.CertID();
    await certID.createForCertificate(
      parseCertificate((spec.about ?? leaf).der),
      { hashAlgorithm: spec.hash ?? 'SHA-1', issuerCertificate: parseCertificate(ca.certificate.der) },
      cryptoEngine,
    );
    const single = new pkijs.SingleResponse({
      certID,
      certStatus: new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: spec.status === 'unknown' ? 2 : 0 } }),
      thisUpdate: spec.thisUpdate ?? new Date(),
    });
    const nextUpdate = spec.nextUpdate === undefined ? new Date(Date.now() + HOUR) : spec.nextUpdate;
    if (nextUpdate) single.nextUpdate = nextUpdate;
    const signer = parseCertificate(ca.ocspResponder.der);
    const basic = new pkijs.BasicOCSPResponse();
    basic.tbsResponseData.responderID = signer.subject;
    basic.tbsResponseData.producedAt = new Date();
    basic.tbsResponseData.responses.push(single);
    const asked = request.tbsRequest.requestExtensions?.find((e) => e.extnID === OID_NONCE);
    const nonce = spec.nonce ?? 'echo';
    if (nonce !== 'absent') {
      const value = nonce === 'echo' ? asked!.extnValue.valueBlock.valueHexView : new asn1js.OctetString({ valueHex: new Uint8Array(16).fill(7) }).toBER(false);
      basic.tbsResponseData.responseExtensions = [new pkijs.Extension({ extnID: OID_NONCE, extnValue: new Uint8Array(value).buffer })];
    }
    basic.certs = [signer];
    await basic.sign(ca.ocspResponder.key.keys.privateKey, 'SHA-384', cryptoEngine);
    const response = new pkijs.OCSPResponse({
      responseStatus: new asn1js.Enumerated({ value: 0 }),
      responseBytes: new pkijs.ResponseBytes({
        responseType: '1.3.6.1.5.5.7.48.1.1',
        response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }),
      }),
    });
    return new Response(new Uint8Array(response.toSchema().toBER(false)), { headers: { 'content-type': 'application/ocsp-response' } });
  };
}

function checkWith(spec: ResponseSpec, overrides: Partial<RevocationCheckerOptions> = {}) {
  const seen = { requests: 0 };
  const kv = createMemoryKeyValueStore();
  stores.push(kv);
  const metrics = createMetrics({ defaultMetrics: false });
  const checker = createRevocationChecker({
    kv,
    mode: 'ocsp',
    failMode: 'closed',
    timeoutMs: 1000,
    logger: pino({ level: 'silent' }),
    metrics,
    fetch: responder(spec, seen),
    ...overrides,
  });
  return { check: () => checker.check(leaf.der, pki.cas.citizen.certificate.der), seen, metrics };
}

async function refusalOf(promise: Promise<unknown>): Promise<CertificateRefusedError> {
  const error = await promise.then(() => undefined, (err: unknown) => err);
  expect(error).toBeInstanceOf(CertificateRefusedError);
  return error as CertificateRefusedError;
}

test('a verified answer with our nonce echoed is good', async () => {
  await expect(checkWith({}).check()).resolves.toEqual({ status: 'good', checkedBy: 'ocsp', cached: false });
});

test('a responder that ignores the nonce is believed while its thisUpdate is recent', async () => {
  await expect(checkWith({ nonce: 'absent', thisUpdate: new Date(Date.now() - 10 * 60_000) }).check()).resolves.toMatchObject({ status: 'good' });
});

test('a nonce-less answer older than noncelessMaxAgeSeconds could be a replay: unusable', async () => {
  const { check } = checkWith({ nonce: 'absent', thisUpdate: new Date(Date.now() - 2 * HOUR) }, { noncelessMaxAgeSeconds: 3600 });
  const error = await refusalOf(check());
  expect(error.reason).toBe('revocation_unavailable');
  expect(error.detail).toMatch(/no nonce echoed/);
});

test('a nonce that is not ours is unusable', async () => {
  expect((await refusalOf(checkWith({ nonce: 'other' }).check())).detail).toMatch(/another request's nonce/);
});

test('an answer with a SHA-256 CertID is matched to the certificate asked about', async () => {
  await expect(checkWith({ hash: 'SHA-256' }).check()).resolves.toMatchObject({ status: 'good' });
});

test('an answer about another certificate is unusable', async () => {
  expect((await refusalOf(checkWith({ about: other }).check())).detail).toMatch(/does not answer for this certificate/);
});

test('tryLater counts as unreachable, unauthorized as invalid', async () => {
  for (const [status, result] of [[3, 'unreachable'], [6, 'invalid']] as const) {
    const { check, metrics } = checkWith({ responseStatus: status });
    expect((await refusalOf(check())).detail).toMatch(status === 3 ? /tryLater/ : /unauthorized/);
    const counted = (await metrics.revocationChecks.get()).values.find((v) => v.labels.result === result);
    expect(counted?.value).toBe(1);
  }
});

test('an answer without nextUpdate is used, and cached no longer than maxCacheSeconds', async () => {
  const { check, seen } = checkWith({ nextUpdate: null }, { maxCacheSeconds: 600 });
  await expect(check()).resolves.toMatchObject({ status: 'good', cached: false });
  await expect(check()).resolves.toMatchObject({ status: 'good', cached: true });
  expect(seen.requests).toBe(1);
});

test("'unknown' is never cached: the next check asks again", async () => {
  const { check, seen } = checkWith({ status: 'unknown' });
  await refusalOf(check());
  await refusalOf(check());
  expect(seen.requests).toBe(2);
});

test('a cached answer whose nextUpdate has passed is not used', async () => {
  const kv = createMemoryKeyValueStore();
  stores.push(kv);
  let now = new Date();
  const spec = { nextUpdate: new Date(Date.now() + 5 * 60_000) };
  const { check, seen } = checkWith(spec, { kv, now: () => now });
  await check();
  now = new Date(Date.now() + 10 * 60_000);
  // The fresh answer from the responder is stale at that time too: refused, after asking again.
  await refusalOf(check());
  expect(seen.requests).toBe(2);
});

test('a key-value store outage degrades to asking the responder', async () => {
  const down: KeyValueStore = {
    get: () => Promise.reject(new Error('store down')),
    set: () => Promise.reject(new Error('store down')),
    take: () => Promise.reject(new Error('store down')),
    delete: () => Promise.reject(new Error('store down')),
  };
  const { check, seen } = checkWith({}, { kv: down });
  await expect(check()).resolves.toMatchObject({ status: 'good', cached: false });
  await expect(check()).resolves.toMatchObject({ status: 'good', cached: false });
  expect(seen.requests).toBe(2);
});

test('a garbage cache entry is ignored', async () => {
  const kv = createMemoryKeyValueStore();
  stores.push(kv);
  const { check, seen } = checkWith({}, { kv });
  await check();
  await kv.set(ocspCacheKey(issuerIdOf(parseCertificate(pki.cas.citizen.certificate.der)), serialOf(parseCertificate(leaf.der))), '{not json', 60);
  await expect(check()).resolves.toMatchObject({ status: 'good', cached: false });
  expect(seen.requests).toBe(2);
});
