// The portal walkthrough (../shared/seed/portal-walkthrough.en.md, steps 3 to 9) in Debian's
// Chromium: PrimaWeb, the demo relying party, sends the browser to the provider; the person
// signs in with the TEST eID card in the reader (EC P-384 and RSA 2048), chooses the entity and
// capacity, then the role, and lands on the PrimaWeb page of that role. Then what the portal
// could not do: a profile assigned after the first login shows after a token refresh, without
// logging out; and logging out ends both sessions.
import { SignJWT, generateKeyPair } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { startPrimaweb } from '../../examples/primaweb/app.ts';
import { t } from '../../src/i18n/messages.ts';
import { describeWithChromium } from '../support/chromium.ts';
import { testTls } from '../support/server.ts';
import { HERSTAPPE, MOULINSART, startE2eFixture, type E2eFixture, type PersonKey } from './fixture.ts';
import {
  chooseRole,
  heading,
  mandateOptions,
  openPrimawebAndSignIn,
  readPrimawebHome,
  recordHeadings,
  recordRequests,
  signInWithEid,
  startApplicationFor,
  text,
  waitForHeading,
} from './steps.ts';

const describeE2e = describeWithChromium();
/** A browser scenario: a few logins of about 3 s each, on a slow machine. */
const SCENARIO_MS = 60_000;

let fx: E2eFixture;

/** PrimaWeb sessions in which the person is signed in (earlier scenarios leave theirs open). */
const sessionsOf = (person: PersonKey) => fx.primaweb.signedInSessions().filter((sub) => sub === fx.personId(person)).length;

beforeAll(async () => {
  fx = await startE2eFixture();
}, 60_000);

afterAll(async () => {
  await fx?.close();
});

describeE2e('PrimaWeb in a real browser with an eID card', () => {
  test("Élise (EC P-384 card) signs in with her eID, starts PrimaWeb for OCMW van Herstappe, chooses 'Sociale Agent' and sees the first-login view; a profile assigned afterwards shows after 'Gegevens vernieuwen', without a new login", async () => {
    await fx.scenario('elise-walkthrough', async () => {
      const { context, page } = await fx.newBrowser({ card: fx.card('elise', 'ec-p384') });
      const requests = recordRequests(context, fx);

      await openPrimawebAndSignIn(page, fx.primaweb.url);
      await signInWithEid(page);

      // Step 6: the entities and capacities she is known for, in Dutch.
      await waitForHeading(page, t('nl', 'mandate.title'));
      const options = await mandateOptions(page);
      expect(options).toHaveLength(2);
      expect(options.find((o) => o.includes(HERSTAPPE.nl))).toMatch(/Maatschappelijk Welzijn/);
      expect(options.find((o) => o.includes(MOULINSART.nl))).toMatch(/Maatschappelijk Welzijn/);
      expect(requests.eidLogins()).toBe(1);
      await startApplicationFor(page, HERSTAPPE.nl);

      // Step 7: two roles at Herstappe, so she chooses.
      await waitForHeading(page, t('nl', 'role.title'));
      expect(await page.getByRole('radio').evaluateAll((radios) => radios.map((r) => (r as { labels?: { textContent: string }[] }).labels?.[0]?.textContent?.trim()))).toEqual(
        expect.arrayContaining(['Sociale Agent', 'PrimaWeb beheer']),
      );
      await chooseRole(page, 'Sociale Agent');

      // Steps 8 and 9: the Social Agent's home, limited on a first login.
      const home = await readPrimawebHome(page, fx.primaweb.url);
      expect(home).toMatchObject({
        title: 'PrimaWeb – Sociale Agent',
        person: 'Élise Dubois-Janssens',
        entity: HERSTAPPE.nl,
        enterpriseNumber: '0999.999.922',
        capacity: 'Maatschappelijk Welzijn',
        role: 'Sociale Agent',
        firstLogin: true,
        profiles: [],
      });

      // The access manager assigns a profile; PrimaWeb refreshes its tokens and shows it.
      await fx.assignProfile('elise', HERSTAPPE.enterpriseNumber, 'DOSSIERBEHEER');
      requests.clear();
      await page.getByRole('button', { name: 'Gegevens vernieuwen' }).click();
      const refreshed = await readPrimawebHome(page, fx.primaweb.url);
      expect(refreshed).toMatchObject({ entity: HERSTAPPE.nl, role: 'Sociale Agent', firstLogin: false, profiles: ['DOSSIERBEHEER'], notice: 'Uw gegevens zijn vernieuwd.' });
      // The browser itself never went back to the provider: no login, no eID.
      expect(requests.providerPaths()).toEqual([]);
      expect(requests.eidLogins()).toBe(0);
    });
  }, SCENARIO_MS);

  test("Élise (RSA 2048 card) lands on 'PrimaWeb beheer', switches to OCMW van Moulinsart without a new eID login, and logging out ends PrimaWeb's session and the provider's: the next login asks for the eID again", async () => {
    await fx.scenario('elise-admin-switch-logout', async () => {
      const { context, page } = await fx.newBrowser({ card: fx.card('elise', 'rsa-2048') });
      const requests = recordRequests(context, fx);

      await openPrimawebAndSignIn(page, fx.primaweb.url);
      await signInWithEid(page);
      await startApplicationFor(page, HERSTAPPE.nl);
      await chooseRole(page, 'PrimaWeb beheer');
      const admin = await readPrimawebHome(page, fx.primaweb.url);
      expect(admin).toMatchObject({ title: 'PrimaWeb beheer', entity: HERSTAPPE.nl, role: 'PrimaWeb beheer', person: 'Élise Dubois-Janssens' });
      expect(await text(page, '#admin-pending')).toMatch(/beheer-API/);
      expect(requests.eidLogins()).toBe(1);

      // Switching asks the choice again (prompt=select_mandate), not the eID.
      await page.getByRole('button', { name: 'Andere entiteit of rol kiezen' }).click();
      await startApplicationFor(page, MOULINSART.nl);
      const switched = await readPrimawebHome(page, fx.primaweb.url);
      // One role at Moulinsart: no role choice. Profiles belong to an entity: none there.
      expect(switched).toMatchObject({ title: 'PrimaWeb – Sociale Agent', entity: MOULINSART.nl, enterpriseNumber: '0999.999.823', role: 'Sociale Agent', firstLogin: true });
      expect(requests.eidLogins()).toBe(1);

      // Logging out: PrimaWeb ends its session and sends the browser to the provider's logout.
      const before = sessionsOf('elise');
      await page.getByRole('button', { name: 'Afmelden' }).click();
      await waitForHeading(page, t('nl', 'logout.title'));
      await page.getByRole('button', { name: t('nl', 'logout.confirm') }).click();
      await page.waitForURL((url) => url.href.startsWith(`${fx.primaweb.url}/`) && url.searchParams.has('state'));
      expect(await text(page, '#signed-out')).toBe('U bent afgemeld bij PrimaWeb en bij de aanmeldingsdienst.');
      expect(sessionsOf('elise')).toBe(before - 1);

      // The next visit starts over: the provider asks for the eID again.
      await openPrimawebAndSignIn(page, fx.primaweb.url);
      await waitForHeading(page, t('nl', 'login.title'));
      expect(await page.getByRole('link', { name: t('nl', 'login.eid.button') }).count()).toBe(1);
    });
  }, SCENARIO_MS);

  test('Noémie (RSA 2048 card), with one mandate and one role, goes straight from the eID to the Social Agent home', async () => {
    await fx.scenario('noemie-straight-through', async () => {
      const { page } = await fx.newBrowser({ card: fx.card('noemie', 'rsa-2048') });
      const headings = recordHeadings(page);
      await openPrimawebAndSignIn(page, fx.primaweb.url);
      await signInWithEid(page);
      const home = await readPrimawebHome(page, fx.primaweb.url);
      expect(home).toMatchObject({ title: 'PrimaWeb – Sociale Agent', person: 'Noémie Van den Broeck', entity: HERSTAPPE.nl, role: 'Sociale Agent', firstLogin: true });
      expect(headings).not.toContain(t('nl', 'mandate.title'));
      expect(headings).not.toContain(t('nl', 'role.title'));
    });
  }, SCENARIO_MS);

  test("Łukasz, registered for no capacity PrimaWeb accepts, gets the clear 'no access' page; leaving it brings him back to PrimaWeb with access_denied", async () => {
    await fx.scenario('lukasz-no-capacity', async () => {
      const { page } = await fx.newBrowser({ card: fx.card('lukasz') });
      await openPrimawebAndSignIn(page, fx.primaweb.url);
      await signInWithEid(page);
      await waitForHeading(page, t('nl', 'mandate.none.title'));
      expect(await text(page, '[role="alert"]')).toBe(t('nl', 'mandate.none.body'));
      expect(await page.getByRole('radio').count()).toBe(0);

      await page.getByRole('button').click();
      await page.waitForURL((url) => url.href.startsWith(`${fx.primaweb.url}/callback`));
      await waitForHeading(page, 'Aanmelden is niet gelukt');
      expect(await text(page, '.code')).toMatch(/^Foutcode: access_denied/);
      expect(sessionsOf('lukasz')).toBe(0);
    });
  }, SCENARIO_MS);

  test("logging out at the provider (from anywhere) ends PrimaWeb's session through back-channel logout", async () => {
    await fx.scenario('noemie-backchannel', async () => {
      const { page } = await fx.newBrowser({ card: fx.card('noemie') });
      await openPrimawebAndSignIn(page, fx.primaweb.url);
      await signInWithEid(page);
      await readPrimawebHome(page, fx.primaweb.url);
      const before = sessionsOf('noemie');
      expect(before).toBeGreaterThanOrEqual(1);

      // The provider's own logout, without PrimaWeb being asked.
      await page.goto(`${fx.issuer}/session/end`);
      await waitForHeading(page, t('nl', 'logout.title'));
      await page.getByRole('button', { name: t('nl', 'logout.confirm') }).click();
      await waitForHeading(page, t('nl', 'logout.title'));
      expect(await page.locator('main p').first().textContent()).toBe(t('nl', 'logout.done'));

      expect(sessionsOf('noemie')).toBe(before - 1);
      await page.goto(`${fx.primaweb.url}/`);
      expect(await heading(page)).toBe('Welkom bij PrimaWeb');
    });
  }, SCENARIO_MS);

  // Last: it takes a role away from Élise for good.
  test("revoking Élise's 'PrimaWeb beheer' role at Herstappe ends her PrimaWeb session at once (back-channel logout); her next login asks for the eID and offers no role choice there any more", async () => {
    await fx.scenario('elise-role-revoked', async () => {
      const { context, page } = await fx.newBrowser({ card: fx.card('elise') });
      const requests = recordRequests(context, fx);
      await openPrimawebAndSignIn(page, fx.primaweb.url);
      await signInWithEid(page);
      await startApplicationFor(page, HERSTAPPE.nl);
      await chooseRole(page, 'PrimaWeb beheer');
      expect(await readPrimawebHome(page, fx.primaweb.url)).toMatchObject({ title: 'PrimaWeb beheer', entity: HERSTAPPE.nl });
      const before = sessionsOf('elise');

      const result = await fx.revokeRole('elise', HERSTAPPE.enterpriseNumber, 'PRIMAWEB_ADMIN');
      expect(result.endedSessions.flatMap((s) => s.backchannel)).toEqual(expect.arrayContaining([expect.objectContaining({ clientId: 'primaweb', delivered: true })]));
      expect(sessionsOf('elise')).toBe(before - 1);

      await page.reload();
      expect(await heading(page)).toBe('Welkom bij PrimaWeb');
      await openPrimawebAndSignIn(page, fx.primaweb.url);
      await signInWithEid(page);
      expect(requests.eidLogins()).toBe(2);
      await startApplicationFor(page, HERSTAPPE.nl);
      expect(await readPrimawebHome(page, fx.primaweb.url)).toMatchObject({ title: 'PrimaWeb – Sociale Agent', entity: HERSTAPPE.nl, role: 'Sociale Agent' });
    });
  }, SCENARIO_MS);

  test('PrimaWeb refuses logout tokens the provider did not sign (another key, alg none, not a JWT) and ends no session', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, sid: 'any' })
      .setProtectedHeader({ alg: 'ES256', typ: 'logout+jwt', kid: 'not-the-providers' })
      .setIssuer(fx.issuer)
      .setAudience('primaweb')
      .setIssuedAt()
      .setJti('forged-1')
      .setSubject(fx.personId('noemie'))
      .sign(privateKey);
    const unsigned = [Buffer.from('{"alg":"none"}').toString('base64url'), Buffer.from(JSON.stringify({ iss: fx.issuer, aud: 'primaweb', sub: fx.personId('noemie') })).toString('base64url'), ''].join('.');
    const sessions = fx.primaweb.signedInSessions().length;
    for (const token of [forged, unsigned, 'not-a-jwt']) {
      const response = await fetch(`${fx.primaweb.url}/backchannel-logout`, { method: 'POST', body: new URLSearchParams({ logout_token: token }) });
      expect({ token: token.slice(0, 20), status: response.status, body: await response.json() }).toEqual({ token: token.slice(0, 20), status: 400, body: expect.objectContaining({ error: 'invalid_request' }) });
    }
    expect(fx.primaweb.signedInSessions()).toHaveLength(sessions);
  });

  test('PrimaWeb over HTTPS (https://localhost, generated certificate) sends its strict CSP, and a Secure HttpOnly session cookie with the login redirect (PKCE S256, offline_access with prompt=consent)', async () => {
    const https = await startPrimaweb({ issuer: fx.issuer, clientSecret: 'not-used-before-the-token-endpoint', scheme: 'https', port: 0, providerCa: (await testTls()).ca });
    const insecure = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      expect(https.url).toMatch(/^https:\/\/localhost:\d+$/);
      const start = await undiciFetch(`${https.url}/`, { dispatcher: insecure });
      expect(start.status).toBe(200);
      expect(start.headers.get('content-security-policy')).toBe(
        `default-src 'none'; style-src ${/'sha256-[^']+'/.exec(start.headers.get('content-security-policy')!)![0]}; img-src 'none'; form-action 'self' ${new URL(fx.issuer).origin}; frame-ancestors 'none'; base-uri 'none'`,
      );
      const login = await undiciFetch(`${https.url}/login`, { dispatcher: insecure, redirect: 'manual' });
      expect(login.status).toBe(303);
      expect(login.headers.get('set-cookie')).toMatch(/^primaweb_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
      const authorization = new URL(login.headers.get('location')!);
      expect(authorization.origin).toBe(new URL(fx.issuer).origin);
      expect(Object.fromEntries(authorization.searchParams)).toMatchObject({
        client_id: 'primaweb',
        redirect_uri: `${https.url}/callback`,
        response_type: 'code',
        scope: 'openid profile mandate roles offline_access',
        prompt: 'consent',
        code_challenge_method: 'S256',
      });
    } finally {
      await insecure.close();
      await https.close();
    }
  });
});
