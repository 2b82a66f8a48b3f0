// Revocation checking against real services on loopback: OpenSSL's OCSP responder (`openssl ocsp`
// over the test PKI's index.txt, signing with the CA's delegated responder certificate) and CRLs
// made by `openssl ca -gencrl`, served over HTTP.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Redis } from 'ioredis';
import { generateTestPki, writeTestPki, type IssuedCertificate, type TestPki } from '../../../../src/eid/pki/index.ts';
import { createRevocationChecker, type RevocationCheckerOptions } from '../../../../src/eid/revocation/index.ts';
import { CertificateRefusedError } from '../../../../src/eid/refusal.ts';
import { createMetrics, type Metrics } from '../../../../src/observability/metrics.ts';
import { createMemoryKeyValueStore, createRedisKeyValueStore } from '../../../../src/store/kv.ts';
import { createOcspFront, freePort, opensslCrl, startCrlServer, type CrlServer, type OcspResponder, type OcspResponderFiles } from '../../../support/ocsp-responder.ts';
import { deleteRedisKeys, describeWith, REDIS_URL, uniqueName } from '../../../support/services.ts';

const ELISE = { key: 'elise', nationalNumber: '85031204642', givenName: 'Élise', familyName: 'Dubois-Janssens' };
const NOEMIE = { key: 'noemie', nationalNumber: '02110512468', givenName: 'Noémie', familyName: 'Van den Broeck' };
const CRL_PATH = '/crl/citizen.crl';
const MINUTE = 60_000;

let dir: string;
let pki: TestPki;
let responder: OcspResponder;
let crls: CrlServer;
let good: IssuedCertificate;
let revoked: IssuedCertificate;
/** Issued after index.txt was written: the responder has never heard of it. */
let unknown: IssuedCertificate;
let issuerDer: Buffer;
let citizenFiles: OcspResponderFiles;
let closedPortUrl: string;
const extraResponders: OcspResponder[] = [];
const memoryStores: { close(): void }[] = [];
const logLines: string[] = [];

function checker(overrides: Partial<RevocationCheckerOptions> = {}): { check: (cert: IssuedCertificate) => Promise<unknown>; metrics: Metrics } {
  const metrics = createMetrics({ defaultMetrics: false });
  const kv = createMemoryKeyValueStore();
  memoryStores.push(kv);
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  const instance = createRevocationChecker({ kv, mode: 'ocsp-then-crl', failMode: 'closed', timeoutMs: 1500, logger, metrics, ...overrides });
  return { check: (cert) => instance.check(cert.der, issuerDer), metrics };
}

async function refusal(promise: Promise<unknown>): Promise<CertificateRefusedError> {
  const error = await promise.then(
    (value) => new Error(`expected a refusal, got ${JSON.stringify(value)}`),
    (err: unknown) => err,
  );
  if (!(error instanceof CertificateRefusedError)) throw error;
  return error;
}

async function counter(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value ?? 0;
}

/** Another openssl responder for the citizen CA's database, reached through the ocspUrl override. */
async function otherResponder(files: Partial<OcspResponderFiles>, options: { nmin?: number } = {}): Promise<OcspResponder> {
  const front = await createOcspFront();
  extraResponders.push(front);
  await front.start({ ...citizenFiles, ...files }, options);
  return front;
}

beforeAll(async () => {
  responder = await createOcspFront();
  crls = await startCrlServer();
  pki = await generateTestPki({ ocspUrl: `${responder.url}/{ca}`, crlBaseUrl: `${crls.url}/crl`, persons: [ELISE, NOEMIE] });
  good = pki.card('elise').authentication;
  revoked = pki.card('noemie').authentication;
  await pki.revoke(revoked.serialNumber);
  dir = mkdtempSync(join(tmpdir(), 'cidp-revocation-'));
  await writeTestPki(pki, dir);
  unknown = await pki.issue('citizen', { person: { ...ELISE, givenName: 'Unknown' } });
  issuerDer = pki.cas.citizen.certificate.der;
  citizenFiles = {
    index: join(dir, 'citizen/index.txt'),
    ca: join(dir, 'citizen/ca.pem'),
    signerCert: join(dir, 'citizen/ocsp.pem'),
    signerKey: join(dir, 'citizen/ocsp.key'),
  };
  await responder.start(citizenFiles);
  crls.put(CRL_PATH, await opensslCrl(join(dir, 'citizen'), 1));
  closedPortUrl = `http://127.0.0.1:${await freePort()}/citizen`;
});

afterAll(async () => {
  await Promise.all([responder?.stop(), crls?.stop(), ...extraResponders.map((r) => r.stop())]);
  for (const kv of memoryStores) kv.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  // Whatever a test did, no log line may carry a card holder's national register number.
  for (const line of logLines) {
    expect(line).not.toContain(ELISE.nationalNumber);
    expect(line).not.toContain(NOEMIE.nationalNumber);
  }
  logLines.length = 0;
  responder.mode = 'forward';
});

describe('OCSP against openssl ocsp', () => {
  test('a good certificate is good, checked by OCSP', async () => {
    const { check, metrics } = checker({ mode: 'ocsp' });
    await expect(check(good)).resolves.toEqual({ status: 'good', checkedBy: 'ocsp', cached: false });
    expect(await counter(metrics, 'capacity_idp_revocation_checks_total', { method: 'ocsp', result: 'good' })).toBe(1);
  });

  test('a revoked certificate is refused as revoked', async () => {
    const { check, metrics } = checker({ mode: 'ocsp' });
    const error = await refusal(check(revoked));
    expect(error.reason).toBe('revoked');
    expect(error.detail).toMatch(/revoked since/);
    expect(await counter(metrics, 'capacity_idp_revocation_outcomes_total', { outcome: 'revoked' })).toBe(1);
  });

  test('the second check of a certificate is answered from the cache: no second request reaches the responder', async () => {
    const { check, metrics } = checker({ mode: 'ocsp' });
    const before = responder.requests;
    await expect(check(good)).resolves.toMatchObject({ status: 'good', cached: false });
    await expect(check(good)).resolves.toEqual({ status: 'good', checkedBy: 'ocsp', cached: true });
    await expect(refusal(check(revoked))).resolves.toMatchObject({ reason: 'revoked' });
    await expect(refusal(check(revoked))).resolves.toMatchObject({ reason: 'revoked' });
    expect(responder.requests - before).toBe(2);
    expect(await counter(metrics, 'capacity_idp_revocation_cache_total', { method: 'ocsp', outcome: 'hit' })).toBe(2);
    expect(await counter(metrics, 'capacity_idp_revocation_cache_total', { method: 'ocsp', outcome: 'miss' })).toBe(2);
  });

  test("'unknown' is not good: refused as revocation_unavailable, even when failing open", async () => {
    for (const failMode of ['closed', 'open'] as const) {
      const error = await refusal(checker({ mode: 'ocsp', failMode }).check(unknown));
      expect(error.reason).toBe('revocation_unavailable');
      expect(error.detail).toMatch(/unknown/);
    }
  });

  test("'unknown' is overridden by a verified CRL that does not list the certificate", async () => {
    await expect(checker({ mode: 'ocsp-then-crl' }).check(unknown)).resolves.toEqual({ status: 'good', checkedBy: 'crl', cached: false });
  });

  test("'unknown' with no CRL reachable stays refused when failing open", async () => {
    const error = await refusal(checker({ mode: 'ocsp-then-crl', failMode: 'open', fetch: crlUnreachable }).check(unknown));
    expect(error.reason).toBe('revocation_unavailable');
  });

  test('a stale response (nextUpdate passed) is unusable', async () => {
    const stale = await otherResponder({}, { nmin: 1 });
    const later = () => new Date(Date.now() + 3 * MINUTE);
    const error = await refusal(checker({ mode: 'ocsp', ocspUrl: stale.url, now: later }).check(good));
    expect(error.reason).toBe('revocation_unavailable');
    expect(error.detail).toMatch(/stale response, nextUpdate/);
    // The CRL (valid for an hour) still answers.
    await expect(checker({ ocspUrl: stale.url, now: later }).check(good)).resolves.toEqual({ status: 'good', checkedBy: 'crl', cached: false });
  });

  test('a response from the future (thisUpdate beyond the clock skew) is unusable', async () => {
    const earlier = () => new Date(Date.now() - 10 * MINUTE);
    const error = await refusal(checker({ mode: 'ocsp', now: earlier }).check(good));
    expect(error.detail).toMatch(/thisUpdate .* is in the future/);
  });

  test('a response signed by the issuing CA itself is accepted', async () => {
    const direct = await otherResponder({ signerCert: join(dir, 'citizen/ca.pem'), signerKey: join(dir, 'citizen/ca.key') });
    await expect(checker({ mode: 'ocsp', ocspUrl: direct.url }).check(good)).resolves.toMatchObject({ status: 'good', checkedBy: 'ocsp' });
    await expect(refusal(checker({ mode: 'ocsp', ocspUrl: direct.url }).check(revoked))).resolves.toMatchObject({ reason: 'revoked' });
  });

  test("a responder certificate issued by another CA is not authorized, even to say 'revoked'", async () => {
    const foreign = await otherResponder({ signerCert: join(dir, 'foreigner/ocsp.pem'), signerKey: join(dir, 'foreigner/ocsp.key') });
    for (const cert of [good, revoked]) {
      const { check, metrics } = checker({ mode: 'ocsp', ocspUrl: foreign.url });
      const error = await refusal(check(cert));
      expect(error.reason).toBe('revocation_unavailable');
      expect(error.detail).toMatch(/not authorized/);
      expect(await counter(metrics, 'capacity_idp_revocation_checks_total', { method: 'ocsp', result: 'invalid' })).toBe(1);
    }
  });

  test('a certificate of the issuing CA without the OCSPSigning EKU is not authorized to sign responses', async () => {
    const card = pki.card('elise');
    const impostor = await otherResponder({ signerCert: join(dir, `cards/${card.id}/authentication.pem`), signerKey: join(dir, `cards/${card.id}/authentication.key`) });
    const error = await refusal(checker({ mode: 'ocsp', ocspUrl: impostor.url }).check(revoked));
    expect(error.reason).toBe('revocation_unavailable');
    expect(error.detail).toMatch(/not authorized/);
  });

  test("a replayed response (another request's nonce) is unusable", async () => {
    await checker({ mode: 'ocsp' }).check(good);
    responder.mode = 'replay';
    const error = await refusal(checker({ mode: 'ocsp' }).check(good));
    expect(error.reason).toBe('revocation_unavailable');
    expect(error.detail).toMatch(/another request's nonce/);
  });
});

/** A fetch that reaches the OCSP responder but not the CRL server. */
const crlUnreachable: typeof fetch = (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  return url.endsWith('.crl') ? fetch(closedPortUrl, init) : fetch(input, init);
};

describe('OCSP responder unreachable', () => {
  test('the CRL answers instead: good, and revoked', async () => {
    const { check, metrics } = checker({ mode: 'ocsp-then-crl', ocspUrl: closedPortUrl });
    await expect(check(good)).resolves.toEqual({ status: 'good', checkedBy: 'crl', cached: false });
    const error = await refusal(check(revoked));
    expect(error.reason).toBe('revoked');
    expect(error.detail).toMatch(/listed on the CRL/);
    expect(await counter(metrics, 'capacity_idp_revocation_checks_total', { method: 'ocsp', result: 'unreachable' })).toBe(2);
  });

  test('without CRL fallback, failing closed refuses as revocation_unavailable', async () => {
    const error = await refusal(checker({ mode: 'ocsp', failMode: 'closed', ocspUrl: closedPortUrl }).check(good));
    expect(error.reason).toBe('revocation_unavailable');
    expect(error.detail).toContain(closedPortUrl);
  });

  test('without CRL fallback, failing open lets the certificate through as soft-failed, with a warning', async () => {
    const { check, metrics } = checker({ mode: 'ocsp', failMode: 'open', ocspUrl: closedPortUrl });
    const result = await check(good);
    expect(result).toEqual({ status: 'soft-failed', reason: expect.stringContaining(closedPortUrl) });
    const warning = logLines.map((l) => JSON.parse(l)).find((l) => l.msg.includes('fail open'));
    expect(warning).toMatchObject({ level: 40, serial: good.serialNumber.toLowerCase() });
    expect(await counter(metrics, 'capacity_idp_revocation_outcomes_total', { outcome: 'soft_failed' })).toBe(1);
  });

  test('failing open does not let a revoked certificate through when the CRL can tell', async () => {
    await expect(refusal(checker({ failMode: 'open', ocspUrl: closedPortUrl }).check(revoked))).resolves.toMatchObject({ reason: 'revoked' });
  });

  test('OCSP and CRL both unreachable: closed refuses, open soft-fails naming both', async () => {
    await expect(refusal(checker({ ocspUrl: closedPortUrl, fetch: crlUnreachable }).check(good))).resolves.toMatchObject({ reason: 'revocation_unavailable' });
    const result = await checker({ failMode: 'open', ocspUrl: closedPortUrl, fetch: crlUnreachable }).check(good);
    expect(result).toEqual({ status: 'soft-failed', reason: expect.stringMatching(/OCSP: .* \| CRL: /) });
  });

  test('a responder that never answers is given up after timeoutMs', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/`;
      const started = Date.now();
      const error = await refusal(checker({ mode: 'ocsp', ocspUrl: url, timeoutMs: 300 }).check(good));
      expect(Date.now() - started).toBeLessThan(1500);
      expect(error.detail).toMatch(/no answer within 300 ms/);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('CRL', () => {
  test('mode crl: good and revoked, the CRL downloaded once for all checks', async () => {
    const before = crls.requests(CRL_PATH);
    const { check, metrics } = checker({ mode: 'crl' });
    await expect(check(good)).resolves.toEqual({ status: 'good', checkedBy: 'crl', cached: false });
    await expect(refusal(check(revoked))).resolves.toMatchObject({ reason: 'revoked' });
    await expect(check(good)).resolves.toEqual({ status: 'good', checkedBy: 'crl', cached: true });
    expect(crls.requests(CRL_PATH) - before).toBe(1);
    expect(await counter(metrics, 'capacity_idp_revocation_cache_total', { method: 'crl', outcome: 'hit' })).toBe(2);
  });

  test('concurrent checks share one download', async () => {
    const before = crls.requests(CRL_PATH);
    const { check } = checker({ mode: 'crl' });
    await Promise.all([check(good), check(good), check(good)]);
    expect(crls.requests(CRL_PATH) - before).toBe(1);
  });

  test('a stale CRL (nextUpdate passed) is unusable', async () => {
    const error = await refusal(checker({ mode: 'crl', now: () => new Date(Date.now() + 2 * 60 * MINUTE) }).check(good));
    expect(error.reason).toBe('revocation_unavailable');
    expect(error.detail).toMatch(/stale CRL/);
  });

  test('a CRL issued by another CA is unusable', async () => {
    crls.put(CRL_PATH, await opensslCrl(join(dir, 'foreigner'), 1));
    try {
      const error = await refusal(checker({ mode: 'crl' }).check(revoked));
      expect(error.reason).toBe('revocation_unavailable');
      expect(error.detail).toMatch(/issued by another CA/);
    } finally {
      crls.put(CRL_PATH, await opensslCrl(join(dir, 'citizen'), 1));
    }
  });

  test('a CRL whose signature does not verify is unusable', async () => {
    const genuine = await opensslCrl(join(dir, 'citizen'), 1);
    const tampered = Buffer.from(genuine);
    tampered[tampered.length - 5]! ^= 0x01;
    crls.put(CRL_PATH, tampered);
    try {
      const error = await refusal(checker({ mode: 'crl' }).check(revoked));
      expect(error.detail).toMatch(/signature/);
    } finally {
      crls.put(CRL_PATH, genuine);
    }
  });
});

const describeRedis = await describeWith('redis');

describeRedis('cache shared through Redis', () => {
  const prefix = `${uniqueName('revocation')}:`;
  const clients: Redis[] = [];

  function sharedChecker(overrides: Partial<RevocationCheckerOptions>) {
    const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
    clients.push(redis);
    return checker({ kv: createRedisKeyValueStore(redis), ...overrides });
  }

  afterAll(async () => {
    await deleteRedisKeys(prefix);
    for (const c of clients) c.disconnect();
  });

  test('an OCSP answer fetched by one instance is used by another without asking the responder', async () => {
    const a = sharedChecker({ mode: 'ocsp' });
    const b = sharedChecker({ mode: 'ocsp' });
    const before = responder.requests;
    await expect(a.check(good)).resolves.toMatchObject({ status: 'good', cached: false });
    await expect(b.check(good)).resolves.toEqual({ status: 'good', checkedBy: 'ocsp', cached: true });
    await expect(refusal(a.check(revoked))).resolves.toMatchObject({ reason: 'revoked' });
    await expect(refusal(b.check(revoked))).resolves.toMatchObject({ reason: 'revoked' });
    expect(responder.requests - before).toBe(2);
    expect(await counter(b.metrics, 'capacity_idp_revocation_cache_total', { method: 'ocsp', outcome: 'hit' })).toBe(2);
  });

  test('a CRL downloaded by one instance is used by another without downloading it again', async () => {
    const a = sharedChecker({ mode: 'crl' });
    const b = sharedChecker({ mode: 'crl' });
    const before = crls.requests(CRL_PATH);
    await expect(a.check(good)).resolves.toMatchObject({ status: 'good', cached: false });
    await expect(b.check(good)).resolves.toEqual({ status: 'good', checkedBy: 'crl', cached: true });
    await expect(refusal(b.check(revoked))).resolves.toMatchObject({ reason: 'revoked' });
    expect(crls.requests(CRL_PATH) - before).toBe(1);
  });
});
