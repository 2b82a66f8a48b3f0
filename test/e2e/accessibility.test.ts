// Every page the provider shows a person, checked by axe-core in Debian's Chromium, in Dutch and
// French: no serious or critical violation. The pages keep their real Content-Security-Policy
// (no script at all): axe runs through the DevTools protocol (page.evaluate), not as a <script>.
import type { Page } from 'playwright-core';
import * as client from 'openid-client';
import { createApplicationQueries } from '../../src/directory/applications.ts';
import type { Locale } from '../../src/i18n/locale.ts';
import { t } from '../../src/i18n/messages.ts';
import { describeWithChromium, seriousAccessibilityViolations, type AxeViolation } from '../support/chromium.ts';
import { HERSTAPPE, startE2eFixture, type E2eFixture } from './fixture.ts';
import { openPrimawebAndSignIn, signInWithEid, startApplicationFor, waitForHeading } from './steps.ts';

const describeE2e = describeWithChromium();
const SCENARIO_MS = 90_000;
const THIRD_PARTY = { clientId: 'e2e-dossier-portal', name: 'Dossierportaal', redirectUri: 'https://localhost:9/callback' };
const BROWSER_LOCALE: Record<'nl' | 'fr', string> = { nl: 'nl-BE', fr: 'fr-BE' };

let fx: E2eFixture;

beforeAll(async () => {
  fx = await startE2eFixture();
  // A third-party application, so that the consent page shows (first-party PrimaWeb never sees it).
  const applications = createApplicationQueries(fx.login.server.runtime.db, fx.login.server.runtime.secrets);
  await applications.upsertApplication({
    clientId: THIRD_PARTY.clientId,
    name: THIRD_PARTY.name,
    clientSecret: 'a-secret-that-is-never-used-at-the-token-endpoint',
    firstParty: false,
    metadata: { client_name: THIRD_PARTY.name, redirect_uris: [THIRD_PARTY.redirectUri], grant_types: ['authorization_code'], response_types: ['code'] },
  });
  await applications.setAcceptedCapacities(THIRD_PARTY.clientId, ['MAATSCHAPPELIJK_WELZIJN']);
}, 60_000);

afterAll(async () => {
  await fx?.close();
});

function thirdPartyAuthorizationUrl(): string {
  const url = new URL(`${fx.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: THIRD_PARTY.clientId,
    response_type: 'code',
    redirect_uri: THIRD_PARTY.redirectUri,
    scope: 'openid profile mandate roles',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: client.randomState(),
  }).toString();
  return url.href;
}

describeE2e('accessibility of the provider pages (axe-core in Chromium)', () => {
  test('the check itself reports what it must: an unlabelled field and an image without text are serious or critical', async () => {
    await fx.scenario('accessibility-self-test', async () => {
      const { page } = await fx.newBrowser();
      await page.setContent('<!doctype html><html lang="nl"><head><title>t</title></head><body><main><h1>t</h1><input type="text"><img src="data:,"></main></body></html>');
      const ids = (await seriousAccessibilityViolations(page)).map((v) => v.id).sort();
      expect(ids).toEqual(['image-alt', 'label']);
    });
  });

  test.each(['nl', 'fr'] as const)('in %s: login, refusal, entity list, role choice, consent, no capacity, logout, logout done and error pages have no serious or critical violation', async (locale) => {
    const found: Record<string, AxeViolation[] | string> = {};
    const check = async (page: Page, name: string, title: string) => {
      await waitForHeading(page, title);
      const lang = await page.locator('html').getAttribute('lang');
      if (lang !== locale) found[name] = `html lang is ${lang}`;
      const violations = await seriousAccessibilityViolations(page);
      if (violations.length) found[name] = violations;
    };
    const browserLocale = BROWSER_LOCALE[locale];

    await fx.scenario(`accessibility-${locale}`, async () => {
      // Élise: login, entity list and consent for a third-party application; then PrimaWeb's role choice.
      const elise = await fx.newBrowser({ card: fx.card('elise'), locale: browserLocale });
      await elise.page.goto(thirdPartyAuthorizationUrl());
      await check(elise.page, 'login', t(locale, 'login.title'));
      await signInWithEid(elise.page, locale);
      await check(elise.page, 'entity list', t(locale, 'mandate.title'));
      await startApplicationFor(elise.page, HERSTAPPE[locale], locale);
      await check(elise.page, 'consent', t(locale, 'consent.title'));

      await elise.page.goto(`${fx.primaweb.url}/login`);
      await startApplicationFor(elise.page, HERSTAPPE[locale], locale);
      await check(elise.page, 'role choice', t(locale, 'role.title'));

      await elise.page.goto(`${fx.issuer}/session/end`);
      await check(elise.page, 'logout', t(locale, 'logout.title'));
      await elise.page.getByRole('button', { name: t(locale, 'logout.confirm') }).click();
      await elise.page.getByText(t(locale, 'logout.done')).waitFor();
      await check(elise.page, 'logout done', t(locale, 'logout.title'));

      await elise.page.goto(`${fx.issuer}/auth?client_id=no-such-application&response_type=code&scope=openid`);
      await check(elise.page, 'error', t(locale, 'error.title'));

      // The Signature certificate instead of the Authentication one: the refusal page.
      const wrongCertificate = await fx.newBrowser({ card: fx.signatureCard('elise'), locale: browserLocale });
      await openPrimawebAndSignIn(wrongCertificate.page, fx.primaweb.url);
      await signInWithEid(wrongCertificate.page, locale);
      await check(wrongCertificate.page, 'refusal', t(locale, 'refused.title'));

      // Łukasz: no capacity PrimaWeb accepts.
      const lukasz = await fx.newBrowser({ card: fx.card('lukasz'), locale: browserLocale });
      await openPrimawebAndSignIn(lukasz.page, fx.primaweb.url);
      await signInWithEid(lukasz.page, locale);
      await check(lukasz.page, 'no capacity', t(locale, 'mandate.none.title'));
    });

    expect(found).toEqual({});
  }, SCENARIO_MS);
});
