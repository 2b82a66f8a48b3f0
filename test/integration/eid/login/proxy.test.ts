// Behind a TLS-terminating proxy (EID_CERT_ORIGIN_MODE=proxy) the proxy's certificate host asks
// for the card and forwards it in a header; the provider serves GET /eid/authenticate on its main
// listener and believes the header only from EID_TRUSTED_PROXIES. Here the test is the proxy: it
// adds the header nginx ($ssl_client_escaped_cert) or an RFC 9440 proxy would, from 127.0.0.1.
import type * as client from 'openid-client';
import type { Locale } from '../../../../src/i18n/locale.ts';
import { t } from '../../../../src/i18n/messages.ts';
import {
  EidBrowser,
  beginAuthorization,
  followToClient,
  nginxEscapedCertificate,
  readRefusalPage,
  rfc9440Certificate,
  type PendingAuthorization,
} from '../../../support/eid-browser.ts';
import { registerTestApplication, startTestServer, type TestServer } from '../../../support/server.ts';
import { APP, APP_CALLBACK, EID_ACR, startLoginFixture, type LoginFixture } from './fixture.ts';

let fx: LoginFixture;
/** A second instance whose trusted proxies are elsewhere (10.0.0.0/8): our headers are not believed. */
let distrusting: { server: TestServer; app: client.Configuration };
const browsers: EidBrowser[] = [];

async function begin(rp: client.Configuration, forwarded: Record<string, string> | undefined, locale?: Locale) {
  const browser = await EidBrowser.create();
  browsers.push(browser);
  browser.forward(forwarded);
  const pending = await beginAuthorization(rp, browser, { redirectUri: APP_CALLBACK, ...(locale ? { params: { ui_locales: locale } } : {}) });
  return { browser, pending };
}

async function eid(browser: EidBrowser, pending: PendingAuthorization, server: TestServer) {
  return followToClient(browser, new URL(`/interaction/${pending.uid}/eid`, server.url), APP_CALLBACK);
}

const elise = () => fx.pki.card('elise').authentication;

beforeAll(async () => {
  const proxyMode = { EID_CERT_ORIGIN_MODE: 'proxy', EID_TRUSTED_PROXIES: '127.0.0.1' };
  fx = await startLoginFixture({ env: proxyMode });
  const server = await startTestServer({
    EID_DEMO_PKI: 'false',
    EID_TRUST_ANCHORS: fx.written.trustAnchor,
    EID_INTERMEDIATES: fx.written.intermediates.join(','),
    ...proxyMode,
    EID_TRUSTED_PROXIES: '10.0.0.0/8',
  });
  distrusting = { server, app: await registerTestApplication(server, APP) };
});

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await Promise.all([fx?.close(), distrusting?.server.close()]);
});

describe('certificate forwarded by a trusted TLS proxy', () => {
  test('there is no certificate listener of our own: the eID link leads to /eid/authenticate on the main origin', async () => {
    expect(fx.server.certificateOriginUrl).toBeUndefined();
    const { browser, pending } = await begin(fx.app, undefined);
    const { stoppedAt } = await browser.follow(new URL(`/interaction/${pending.uid}/eid`, fx.server.url), (next) => next.pathname === '/eid/authenticate');
    expect(stoppedAt?.origin).toBe(new URL(fx.server.issuer).origin);
  });

  test.each([
    ['nginx $ssl_client_escaped_cert in X-SSL-Client-Cert', () => ({ 'x-ssl-client-cert': nginxEscapedCertificate(elise()) }), 'proxy-header'],
    [
      'RFC 9440 Client-Cert and Client-Cert-Chain',
      () => ({ 'client-cert': rfc9440Certificate(elise().der), 'client-cert-chain': fx.pki.chainFor('citizen').map(rfc9440Certificate).join(', ') }),
      'rfc9440',
    ],
  ])('%s completes the login', async (_what, headers, source) => {
    const { browser, pending } = await begin(fx.app, headers());
    const outcome = await eid(browser, pending, fx.server);
    expect(outcome.page?.text.slice(0, 400)).toBeUndefined();
    const tokens = await pending.finish(outcome.callback!);
    expect(tokens.claims()).toMatchObject({ sub: fx.personId('elise'), acr: EID_ACR });
    const events = await fx.audit({ interaction: pending.uid, type: 'login.eid' });
    expect(events).toEqual([expect.objectContaining({ outcome: 'success', subject: fx.personId('elise'), details: expect.objectContaining({ source }) })]);
    expect(await fx.metric('capacity_idp_eid_logins_total', { outcome: 'success', source })).toBeGreaterThanOrEqual(1);
  });

  test('garbage in the header ends on the malformed_certificate page; a good header afterwards completes the login', async () => {
    const { browser, pending } = await begin(fx.app, { 'x-ssl-client-cert': '-----BEGIN%20CERTIFICATE-----%0Anot%20a%20certificate%0A-----END%20CERTIFICATE-----' }, 'fr');
    const outcome = await eid(browser, pending, fx.server);
    const page = readRefusalPage(outcome.page!);
    expect(page).toMatchObject({ lang: 'fr', message: t('fr', 'refused.malformed_certificate'), code: 'malformed_certificate', retry: `/interaction/${pending.uid}` });
    expect(await fx.audit({ interaction: pending.uid, type: 'login.eid' })).toEqual([
      expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ source: 'proxy-header', reason: 'malformed_certificate' }) }),
    ]);
    expect(await fx.metric('capacity_idp_eid_logins_total', { outcome: 'malformed_certificate', source: 'proxy-header' })).toBe(1);

    browser.forward({ 'x-ssl-client-cert': nginxEscapedCertificate(elise()) });
    const retry = await followToClient(browser, new URL(page.retry!, fx.server.url), APP_CALLBACK);
    expect(retry.page?.status).toBe(200);
    const again = await eid(browser, pending, fx.server);
    expect((await pending.finish(again.callback!)).claims()!.sub).toBe(fx.personId('elise'));
  });
});

describe('certificate header from an address that is not a trusted proxy', () => {
  test('is ignored: no_certificate refusal, and the attempt is audited as login.eid.untrusted_header', async () => {
    const { server, app } = distrusting;
    const { browser, pending } = await begin(app, { 'x-ssl-client-cert': nginxEscapedCertificate(elise()) });
    const outcome = await eid(browser, pending, server);
    expect(outcome.callback).toBeUndefined();
    expect(readRefusalPage(outcome.page!)).toMatchObject({ lang: 'nl', message: t('nl', 'refused.no_certificate'), code: 'no_certificate' });

    const { rows } = await server.runtime.db.query<{ type: string; outcome: string; details: Record<string, unknown> }>(
      `SELECT type, outcome, details FROM audit_events WHERE details->>'interaction' = $1 ORDER BY id`,
      [pending.uid],
    );
    expect(rows).toEqual([
      { type: 'login.eid.untrusted_header', outcome: 'failure', details: expect.objectContaining({ header: 'x-ssl-client-cert', peer: '127.0.0.1' }) },
      { type: 'login.eid', outcome: 'failure', details: expect.objectContaining({ source: 'proxy-header', reason: 'no_certificate' }) },
    ]);
  });
});
