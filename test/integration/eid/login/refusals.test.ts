// When the certificate origin refuses a card, the person lands on a page that says why, in their
// language, with a way to try again; the refusal is audited and counted; and the authorization
// request of the application is still waiting: the retry with the right card completes it.
// The one-time ticket that carries an accepted card back to the login works once, in the
// browser that started the login, for that login only.
import type { IssuedCertificate, TestPki } from '../../../../src/eid/pki/index.ts';
import type { RefusalReason } from '../../../../src/eid/refusal.ts';
import type { Locale } from '../../../../src/i18n/locale.ts';
import { t, type MessageKey } from '../../../../src/i18n/messages.ts';
import {
  EidBrowser,
  beginAuthorization,
  cardCertificate,
  followToClient,
  followToTicket,
  readLoginPage,
  readRefusalPage,
  type ClientCertificate,
  type PendingAuthorization,
} from '../../../support/eid-browser.ts';
import { freshTestPki } from '../../../support/pki.ts';
import { createOcspFront, startCrlServer, type CrlServer, type OcspResponder } from '../../../support/ocsp-responder.ts';
import { APP, APP_CALLBACK, EID_ACR, ELISE, startLoginFixture, type LoginFixture } from './fixture.ts';

const DAY = 24 * 3600 * 1000;

let fx: LoginFixture;
let otherPki: TestPki;
let expired: IssuedCertificate;
let toBeRevoked: IssuedCertificate;
/** Names its own OCSP responder and CRL server, which the test stops. */
let unreachable: IssuedCertificate;
let unreachableOcsp: OcspResponder;
let unreachableCrls: CrlServer;
const browsers: EidBrowser[] = [];

const goodCard = (): ClientCertificate => cardCertificate(fx.pki.card('elise').authentication, fx.pki.chainFor('citizen'));

async function newBrowser(): Promise<EidBrowser> {
  const browser = await EidBrowser.create();
  browsers.push(browser);
  return browser;
}

async function begin(browser: EidBrowser, locale?: Locale): Promise<PendingAuthorization> {
  return beginAuthorization(fx.app, browser, { redirectUri: APP_CALLBACK, ...(locale ? { params: { ui_locales: locale } } : {}) });
}

const eidUrl = (uid: string) => new URL(`/interaction/${uid}/eid`, fx.server.url);

/** The retry from a refusal page: back to the login page, the eID link again, now with Élise's card. */
async function retryWithRightCard(browser: EidBrowser, pending: PendingAuthorization, retry: string) {
  const loginPage = await browser.request(new URL(retry, fx.server.url));
  expect(loginPage.status).toBe(200);
  const { eidLink } = readLoginPage(loginPage);
  expect(eidLink).toBe(`/interaction/${pending.uid}/eid`);
  browser.present(goodCard());
  const outcome = await followToClient(browser, new URL(eidLink!, fx.server.url), APP_CALLBACK);
  expect(outcome.page?.text.slice(0, 400)).toBeUndefined();
  const tokens = await pending.finish(outcome.callback!);
  expect(tokens.claims()).toMatchObject({ sub: fx.personId('elise'), acr: EID_ACR });
}

beforeAll(async () => {
  unreachableOcsp = await createOcspFront();
  unreachableCrls = await startCrlServer();
  fx = await startLoginFixture({
    async beforeWrite(pki) {
      expired = await pki.issue('citizen', { person: ELISE, notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 2 * DAY) });
      toBeRevoked = await pki.issue('citizen', { person: ELISE });
      unreachable = await pki.issue('citizen', { person: ELISE, ocspUrl: `${unreachableOcsp.url}/citizen`, crlUrl: `${unreachableCrls.url}/crl/citizen.crl` });
    },
  });
  otherPki = await freshTestPki({ persons: [ELISE] });
});

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await Promise.all([fx?.close(), unreachableOcsp?.stop(), unreachableCrls?.stop()]);
});

describe('a refused card ends on a page that explains, and the login can still be completed', () => {
  const cases: [string, RefusalReason, Locale, () => Promise<ClientCertificate | undefined>][] = [
    ['no certificate presented (no card in the reader, picker cancelled)', 'no_certificate', 'nl', async () => undefined],
    ['the Signature certificate chosen instead of Authentication', 'signature_certificate', 'fr', async () => cardCertificate(fx.pki.card('elise').signature, fx.pki.chainFor('citizen'))],
    ['an expired card', 'expired', 'de', async () => cardCertificate(expired, fx.pki.chainFor('citizen'))],
    [
      'a revoked card (openssl ocsp restarted on the new index.txt)',
      'revoked',
      'en',
      async () => {
        await fx.pki.revoke(toBeRevoked.serialNumber);
        await fx.publishRevocations();
        return cardCertificate(toBeRevoked, fx.pki.chainFor('citizen'));
      },
    ],
    ['a card from an issuer we do not trust', 'unknown_issuer', 'nl', async () => cardCertificate(otherPki.card('elise').authentication, otherPki.chainFor('citizen'))],
    [
      'revocation status unavailable: OCSP responder and CRL server down (fail closed)',
      'revocation_unavailable',
      'fr',
      async () => {
        await Promise.all([unreachableOcsp.stop(), unreachableCrls.stop()]);
        return cardCertificate(unreachable, fx.pki.chainFor('citizen'));
      },
    ],
  ];

  test.each(cases)('%s → %s, page in %s', async (_what, reason, locale, card) => {
    const metricLabels = { outcome: reason, source: 'tls' };
    const countedBefore = await fx.metric('capacity_idp_eid_logins_total', metricLabels);
    const browser = await newBrowser();
    const pending = await begin(browser, locale);
    browser.present(await card());

    const outcome = await followToClient(browser, eidUrl(pending.uid), APP_CALLBACK);
    expect(outcome.callback).toBeUndefined();
    expect(readRefusalPage(outcome.page!)).toEqual({
      status: 200,
      lang: locale,
      title: t(locale, 'refused.title'),
      message: t(locale, `refused.${reason}` as MessageKey),
      retry: `/interaction/${pending.uid}`,
      code: reason,
    });
    expect(outcome.page!.url.pathname).toBe(`/interaction/${pending.uid}/eid/refused`);

    const events = await fx.audit({ interaction: pending.uid, type: 'login.eid' });
    expect(events).toEqual([expect.objectContaining({ outcome: 'failure', client_id: APP, subject: null, details: expect.objectContaining({ source: 'tls', reason }) })]);
    expect(await fx.metric('capacity_idp_eid_logins_total', metricLabels)).toBe(countedBefore + 1);

    await retryWithRightCard(browser, pending, readRefusalPage(outcome.page!).retry!);
  });
});

describe('the one-time ticket', () => {
  const ticketAudit = async (uid: string) => (await fx.audit({ interaction: uid, type: 'login.eid.ticket' })).map((e) => e.details.reason);

  test('a replayed callback URL is refused; the login it completed is unaffected', async () => {
    const browser = await newBrowser();
    const pending = await begin(browser);
    browser.present(goodCard());
    const callback = await followToTicket(browser, eidUrl(pending.uid));

    const first = await browser.request(callback);
    expect([302, 303]).toContain(first.status);
    const replay = await browser.request(callback);
    expect(readRefusalPage(replay)).toMatchObject({ lang: 'nl', message: t('nl', 'refused.session'), code: 'ticket_unknown_or_used', retry: `/interaction/${pending.uid}` });
    expect(await ticketAudit(pending.uid)).toEqual(['unknown_or_used']);

    const outcome = await followToClient(browser, new URL(first.headers.get('location')!, fx.server.url), APP_CALLBACK);
    expect((await pending.finish(outcome.callback!)).claims()!.sub).toBe(fx.personId('elise'));
  });

  test('a ticket used from another browser is refused, and then used up', async () => {
    const victim = await newBrowser();
    const pending = await begin(victim);
    victim.present(goodCard());
    const callback = await followToTicket(victim, eidUrl(pending.uid));

    // A browser with nothing of this login: not even the interaction is found.
    const stranger = await newBrowser();
    const strangerPage = await stranger.request(callback);
    expect(strangerPage.status).toBe(400);
    expect(readRefusalPage(strangerPage)).toMatchObject({ message: t('nl', 'refused.session'), code: 'session_not_found' });

    // Even with the interaction cookie copied over, the binding cookie is missing.
    const interactionCookies = victim
      .cookieHeader(callback)
      .split('; ')
      .filter((c) => !c.startsWith('cidp_eid_binding='))
      .join('; ');
    const thief = await newBrowser();
    const thiefPage = await thief.request(callback, { headers: { cookie: interactionCookies } });
    expect(readRefusalPage(thiefPage)).toMatchObject({ code: 'ticket_wrong_browser' });

    // The ticket is gone for everyone; the victim's login is not: a retry completes it.
    const victimPage = await victim.request(callback);
    expect(readRefusalPage(victimPage)).toMatchObject({ code: 'ticket_unknown_or_used' });
    expect(await ticketAudit(pending.uid)).toEqual(['wrong_browser', 'unknown_or_used']);
    await retryWithRightCard(victim, pending, readRefusalPage(victimPage).retry!);
  });

  test('a ticket issued for one login is refused by another login of the same browser', async () => {
    const browser = await newBrowser();
    const first = await begin(browser);
    const second = await begin(browser);
    expect(second.uid).not.toBe(first.uid);
    browser.present(goodCard());
    const callback = await followToTicket(browser, eidUrl(first.uid));

    const misdirected = new URL(`/interaction/${second.uid}/eid/callback${callback.search}`, fx.server.url);
    const page = await browser.request(misdirected);
    expect(readRefusalPage(page)).toMatchObject({ code: 'ticket_wrong_interaction', retry: `/interaction/${second.uid}` });
    expect(await ticketAudit(second.uid)).toEqual(['wrong_interaction']);

    await retryWithRightCard(browser, first, `/interaction/${first.uid}`);
    await retryWithRightCard(browser, second, `/interaction/${second.uid}`);
  });
});
