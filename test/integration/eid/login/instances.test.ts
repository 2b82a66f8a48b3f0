// The eID login across stateless instances: two instances share PostgreSQL (directory, audit)
// and Redis (interactions, tickets, the revocation cache) behind one issuer, and both send the
// browser to one public certificate origin. The "load balancer" is the browser's route: the
// issuer's requests go to A or B, the certificate origin's to A's or B's own TLS listener. A
// login may start on one instance, present the card to the other's certificate origin in a real
// client-certificate handshake, and redeem the ticket where it started; the OCSP answer one
// instance fetched serves the other; the card holder becomes one person however the logins ran.
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import * as client from 'openid-client';
import { generateMasterKey } from '../../../../src/crypto/secrets.ts';
import type { TestPersonSpec } from '../../../../src/eid/pki/index.ts';
import { AUTHENTICATE_PATH } from '../../../../src/http/certificate-origin.ts';
import { EidBrowser, beginAuthorization, cardCertificate, followToClient, metricValue, readLoginPage } from '../../../support/eid-browser.ts';
import { freePort } from '../../../support/ocsp-responder.ts';
import { fetchTrusted, registerTestApplication, routeOrigin, startTestServer, testTls, trustingFetch, type Route, type TestServer } from '../../../support/server.ts';
import { createTestDatabase, describeWith, REDIS_URL, redisKeys, uniqueName } from '../../../support/services.ts';
import { APP, APP_CALLBACK, EID_ACR, startTestPkiServices, type AuditRow, type TestPkiServices } from './fixture.ts';

const describeShared = await describeWith('postgres', 'redis');
jest.setTimeout(40_000);

/** Not in the demo directory: the first login provisions him. */
const NEWCOMER: TestPersonSpec = { key: 'newcomer', nationalNumber: '90010100123', givenName: 'Jozef', familyName: 'Nieuwkomer' };

type Name = 'A' | 'B';

describeShared('eID login across two instances sharing PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const redisKeyPrefix = `${uniqueName('cidp-eid-instances')}:`;
  let services: TestPkiServices;
  let a: TestServer;
  let b: TestServer;
  let issuer: string;
  /** The public URL of the certificate origin, configured on both: B's listener. */
  let certificateOrigin: string;
  const originListener: Record<Name, string> = { A: '', B: '' };
  const browsers: EidBrowser[] = [];

  const instance = (name: Name) => (name === 'A' ? a : b);

  /** Where each request of the browser really went: instance and path. */
  const served: { instance: Name; path: string }[] = [];

  /** The load balancer: the issuer to `main`'s listener, the certificate origin to `origin`'s. */
  function balance(main: Name, origin: Name): Route {
    const toMain = routeOrigin(issuer, () => instance(main).url);
    const toOrigin = routeOrigin(certificateOrigin, () => originListener[origin]);
    return (url) => {
      const routed = toOrigin(toMain(url));
      const name = routed.origin === a.url || routed.origin === originListener.A ? 'A' : routed.origin === b.url || routed.origin === originListener.B ? 'B' : undefined;
      if (name) served.push({ instance: name, path: routed.pathname });
      return routed;
    };
  }

  /** The application's own side, its back-channel calls (discovery aside) sent to `name`. */
  async function applicationVia(name: Name): Promise<client.Configuration> {
    const rp = await registerTestApplication(a, APP);
    rp[client.customFetch] = trustingFetch((await testTls()).agent, balance(name, name));
    return rp;
  }

  /**
   * One whole login with the newcomer's card: authorization and ticket at `main`, the card at
   * `origin`'s certificate origin, the code redeemed at `main` too.
   */
  async function logIn(main: Name, origin: Name) {
    const route = balance(main, origin);
    const browser = await EidBrowser.create({ route });
    browsers.push(browser);
    served.length = 0;
    const pending = await beginAuthorization(await applicationVia(main), browser, { redirectUri: APP_CALLBACK });
    const { eidLink } = readLoginPage(pending.loginPage);
    expect(eidLink).toBe(`/interaction/${pending.uid}/eid`);

    browser.present(cardCertificate(services.pki.card('newcomer', 'ec-p384').authentication, services.pki.chainFor('citizen')));
    const outcome = await followToClient(browser, new URL(eidLink!, issuer), APP_CALLBACK);
    if (!outcome.callback) throw new Error(`the login ended on a page (HTTP ${outcome.page.status}): ${outcome.page.text.slice(0, 400)}`);
    const tokens = await pending.finish(outcome.callback);
    return { uid: pending.uid, tokens, claims: tokens.claims()!, served: [...served] };
  }

  const countPersons = async () => (await a.runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM persons')).rows[0]!.n;

  async function eidLoginEvent(uid: string): Promise<AuditRow> {
    const { rows } = await a.runtime.db.query<AuditRow>(
      `SELECT id, type, outcome, actor, subject, client_id, ip, details FROM audit_events WHERE type = 'login.eid' AND details->>'interaction' = $1`,
      [uid],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  async function metric(name: Name, metricName: string, labels: Record<string, string>): Promise<number> {
    const response = await fetchTrusted(`${instance(name).url}/metrics`);
    return metricValue(await response.text(), metricName, labels);
  }

  beforeAll(async () => {
    services = await startTestPkiServices({ persons: [NEWCOMER] });
    database = await createTestDatabase('cidp_eid_instances');
    // Both instances name the certificate origin by B's listener, so its port has to be known
    // before either starts; A's own listener gets a known port so a login can be sent there.
    const ports = { A: await freePort(), B: await freePort() };
    while (ports.B === ports.A) ports.B = await freePort();
    originListener.A = `https://localhost:${ports.A}`;
    originListener.B = `https://localhost:${ports.B}`;
    certificateOrigin = originListener.B;
    const shared = {
      ...services.env,
      IN_MEMORY: 'false',
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      MASTER_KEY: generateMasterKey(),
      EID_CERT_ORIGIN_URL: certificateOrigin,
    };
    // A names the issuer after its own port; B serves the same issuer from another port.
    a = await startTestServer({ ...shared, EID_CERT_ORIGIN_PORT: String(ports.A) });
    issuer = a.issuer;
    b = await startTestServer({ ...shared, ISSUER: issuer, EID_CERT_ORIGIN_PORT: String(ports.B) });
    expect(b.issuer).toBe(issuer);
    expect(b.port).not.toBe(a.port);
  });

  afterAll(async () => {
    await Promise.allSettled(browsers.map((browser) => browser.close()));
    await Promise.allSettled([a?.close(), b?.close()]);
    await database?.drop();
    const keys = await redisKeys(`${redisKeyPrefix}*`);
    if (keys.length) {
      const redis = new Redis(REDIS_URL);
      await redis.del(...keys).finally(() => redis.disconnect());
    }
    await services?.close();
  });

  test('a login started on A, the card presented to B, the ticket redeemed on A, and one the other way round: one person, one OCSP request', async () => {
    const personsBefore = await countPersons();

    const first = await logIn('A', 'B');
    expect(first.served).toEqual(
      expect.arrayContaining([
        { instance: 'A', path: '/auth' },
        { instance: 'A', path: `/interaction/${first.uid}/eid` },
        { instance: 'B', path: AUTHENTICATE_PATH },
        { instance: 'A', path: `/interaction/${first.uid}/eid/callback` },
      ]),
    );
    // The ticket B issued was redeemed on A: nothing but the card went to B.
    expect(first.served.filter((s) => s.instance === 'B')).toEqual([{ instance: 'B', path: AUTHENTICATE_PATH }]);
    expect(first.claims).toMatchObject({ iss: issuer, aud: APP, acr: EID_ACR });
    expect(first.tokens.access_token).toEqual(expect.any(String));
    const sub = first.claims.sub;
    expect(await eidLoginEvent(first.uid)).toMatchObject({ outcome: 'success', subject: sub, client_id: APP, details: { source: 'tls', provisioned: true, revocation: 'ocsp' } });
    expect(await countPersons()).toBe(personsBefore + 1);

    const ocspRequests = services.responder.requests;
    expect(ocspRequests).toBeGreaterThan(0);
    expect(await redisKeys(`${redisKeyPrefix}*revocation:ocsp:*`)).toHaveLength(1);
    expect(await metric('B', 'capacity_idp_revocation_cache_total', { method: 'ocsp', outcome: 'miss' })).toBeGreaterThanOrEqual(1);

    const second = await logIn('B', 'A');
    expect(second.served).toEqual(
      expect.arrayContaining([
        { instance: 'B', path: '/auth' },
        { instance: 'A', path: AUTHENTICATE_PATH },
        { instance: 'B', path: `/interaction/${second.uid}/eid/callback` },
      ]),
    );
    expect(second.served.filter((s) => s.instance === 'A')).toEqual([{ instance: 'A', path: AUTHENTICATE_PATH }]);
    expect(second.claims).toMatchObject({ iss: issuer, aud: APP, sub, acr: EID_ACR });
    expect(await eidLoginEvent(second.uid)).toMatchObject({ outcome: 'success', subject: sub, details: { source: 'tls', provisioned: false, revocation: 'ocsp' } });

    // A checked the card against the answer B cached in Redis, without asking the responder.
    expect(services.responder.requests).toBe(ocspRequests);
    expect(await metric('A', 'capacity_idp_revocation_cache_total', { method: 'ocsp', outcome: 'hit' })).toBe(1);
    expect(await metric('A', 'capacity_idp_revocation_checks_total', { method: 'ocsp' })).toBe(0);

    // Provisioned once, by whichever instance saw the card first.
    expect(await countPersons()).toBe(personsBefore + 1);
    const { rows } = await a.runtime.db.query<{ id: string }>('SELECT id FROM persons WHERE given_name = $1 AND family_name = $2', [NEWCOMER.givenName, NEWCOMER.familyName]);
    expect(rows).toEqual([{ id: sub }]);
  });
});
