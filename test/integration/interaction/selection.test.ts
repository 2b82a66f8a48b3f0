// The steps after the eID login, over HTTP as a browser takes them: the entity and capacity
// choice ("Applicatie opstarten"), the role choice ("kiezen"), the page for a person without a
// mandate the application accepts, switching with prompt=select_mandate, consent for a
// third-party application, and the refusal of every form the server did not offer. The login
// itself goes through the test harness (test/support/login.ts); the eID variant is in eid.test.ts.
import * as client from 'openid-client';
import { createApplicationQueries } from '../../../src/directory/applications.ts';
import { createMandateQueries } from '../../../src/directory/mandates.ts';
import { createSelectionQueries, type MandateSelection } from '../../../src/directory/selections.ts';
import { t } from '../../../src/i18n/messages.ts';
import { finishInteraction, startAuthorization } from '../../support/login.ts';
import { Browser, discoverClient, startTestServer, type TestServer } from '../../support/server.ts';
import { formWith, post, readPage, submit, type InteractionPage } from './helpers.ts';

const PRIMAWEB_CALLBACK = 'https://localhost:3000/callback';
const PARTNER_CALLBACK = 'https://partner.example/callback';

let server: TestServer;
let primaweb: client.Configuration;
let partner: client.Configuration;
const person = (key: string) => server.seeded!.persons.find((p) => p.key === key)!.id;
const atCallback = (url: URL) => url.href.startsWith(PRIMAWEB_CALLBACK) || url.href.startsWith(PARTNER_CALLBACK);

beforeAll(async () => {
  server = await startTestServer();
  primaweb = await discoverClient(server.issuer, 'primaweb', { clientSecret: server.seeded!.newClientSecrets.primaweb! });
  const applications = createApplicationQueries(server.runtime.db, server.runtime.secrets);
  await applications.upsertApplication({
    clientId: 'partner',
    name: 'Partner',
    clientSecret: 'partner-secret-for-tests-only',
    firstParty: false,
    metadata: { client_name: 'Partnertoepassing', redirect_uris: [PARTNER_CALLBACK], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' },
  });
  await applications.setAcceptedCapacities('partner', ['MAATSCHAPPELIJK_WELZIJN']);
  partner = await discoverClient(server.issuer, 'partner', { clientSecret: 'partner-secret-for-tests-only' });
});

afterAll(async () => {
  await server?.close();
});

interface Flow {
  browser: Browser;
  rp: client.Configuration;
  verifier: string;
  state: string;
  /** The page the browser stands on after the login (undefined when it went straight to the client). */
  page?: InteractionPage;
  callback?: URL;
  loginUid?: string;
}

async function authorizationUrl(rp: client.Configuration, params: Record<string, string>) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const redirect_uri = rp === partner ? PARTNER_CALLBACK : PRIMAWEB_CALLBACK;
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri,
    scope: 'openid profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...params,
  });
  return { url, verifier, state, redirect_uri };
}

/** An authorization request; the login (when asked) by the harness; then as far as the browser goes by itself. */
async function signIn(personKey: string, options: { rp?: client.Configuration; params?: Record<string, string>; browser?: Browser; headers?: Record<string, string> } = {}): Promise<Flow> {
  const rp = options.rp ?? primaweb;
  const browser = options.browser ?? (await Browser.create(options.headers ? { headers: options.headers } : {}));
  const { url, verifier, state, redirect_uri } = await authorizationUrl(rp, options.params ?? {});
  const started = await startAuthorization(browser, url, redirect_uri);
  const flow: Flow = { browser, rp, verifier, state };
  if (started.callback) return { ...flow, callback: started.callback };
  const interaction = await server.host.current.Interaction.find(started.uid!);
  if (interaction?.prompt.name !== 'login') return { ...flow, page: readPage(await browser.request(new URL(`/interaction/${started.uid}`, server.url))) };
  const returnTo = await finishInteraction(server.host, started.uid!, { accountId: person(personKey), consent: false });
  const { stoppedAt, page } = await browser.follow(returnTo, atCallback);
  return stoppedAt ? { ...flow, loginUid: started.uid!, callback: stoppedAt } : { ...flow, loginUid: started.uid!, page: readPage(page!) };
}

async function finish(flow: Flow, callback: URL) {
  return client.authorizationCodeGrant(flow.rp, callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state });
}

async function selectionsOf(personKey: string): Promise<MandateSelection[]> {
  return createSelectionQueries(server.runtime.db).listForPerson(person(personKey));
}

const latest = (rows: MandateSelection[]) => [...rows].sort((a, b) => b.selectedAt.getTime() - a.selectedAt.getTime())[0]!;

async function mandateOf(personKey: string, enterpriseNumber: string): Promise<string> {
  const valid = await createMandateQueries(server.runtime.db).validForPerson(person(personKey), new Date());
  return valid.find((m) => m.entity.enterpriseNumber === enterpriseNumber)!.id;
}

async function refusals(uid: string) {
  const { rows } = await server.runtime.db.query<{ outcome: string; subject: string | null; client_id: string | null; details: Record<string, unknown> }>(
    `SELECT outcome, subject, client_id, details FROM audit_events WHERE type = 'selection.refused' AND details->>'interaction' = $1 ORDER BY id`,
    [uid],
  );
  return rows;
}

const HERSTAPPE = '0999999922';
const MOULINSART = '0999999823';
const uidOf = (page: InteractionPage) => page.url.pathname.split('/')[2]!;

describe('the entity and capacity choice', () => {
  test('Élise sees her two mandates, chooses Herstappe, then chooses between her two roles there; the selection is stored with the grant, session and sid', async () => {
    const flow = await signIn('elise');
    const page = flow.page!;
    expect(page).toMatchObject({ status: 200, lang: 'nl', title: 'Kies uw entiteit en hoedanigheid' });
    const form = formWith(page, 'mandate');
    expect(form.legend).toBe('Entiteit en hoedanigheid');
    expect(form.buttons).toContainEqual({ text: 'Applicatie opstarten' });
    expect(form.csrf).toEqual(expect.any(String));
    expect(form.choices.map((c) => c.label)).toEqual([
      'OCMW van Herstappe OCMW · Ondernemingsnummer 0999.999.922 · Hoedanigheid: Maatschappelijk Welzijn',
      'OCMW van Moulinsart OCMW · Ondernemingsnummer 0999.999.823 · Hoedanigheid: Maatschappelijk Welzijn',
    ]);
    // Each radio button has its own label, and nothing is chosen for the person.
    expect(new Set(form.choices.map((c) => c.id)).size).toBe(2);
    expect(form.choices.every((c) => !c.checked)).toBe(true);

    const herstappe = form.choices[0]!.value;
    const { page: rolePage } = await submit(flow.browser, page, form, { mandate: herstappe }, atCallback);
    const roles = readPage(rolePage!);
    expect(roles).toMatchObject({ status: 200, lang: 'nl', title: 'Kies uw rol' });
    expect(roles.text).toContain('OCMW van Herstappe');
    const roleForm = formWith(roles, 'role');
    expect(roleForm.legend).toBe('Rol');
    expect(roleForm.choices.map((c) => [c.value, c.label])).toEqual([
      ['PRIMAWEB_ADMIN', 'PrimaWeb beheer'],
      ['SOCIAL_AGENT', 'Sociale Agent'],
    ]);
    expect(roleForm.buttons).toContainEqual({ text: 'kiezen' });
    expect(roleForm.hidden.mandate).toBe(herstappe);

    const { stoppedAt } = await submit(flow.browser, roles, roleForm, { role: 'PRIMAWEB_ADMIN' }, atCallback);
    expect(stoppedAt?.searchParams.get('code')).toEqual(expect.any(String));
    const tokens = await finish(flow, stoppedAt!);

    const [row] = (await selectionsOf('elise')).filter((s) => s.mandateId === herstappe);
    expect(row).toMatchObject({ clientId: 'primaweb', roleCode: 'PRIMAWEB_ADMIN', sessionUid: expect.any(String), sid: expect.any(String) });
    const grant = await server.host.current.Grant.find(row!.grantId);
    expect(grant).toMatchObject({ accountId: person('elise'), clientId: 'primaweb' });
    expect(Math.abs(row!.expiresAt.getTime() - grant!.exp! * 1000)).toBeLessThan(1000);
    const session = await server.host.current.Session.findByUid(row!.sessionUid!);
    expect(session?.accountId).toBe(person('elise'));
    expect(session?.grantIdFor('primaweb')).toBe(row!.grantId);
    expect(session?.sidFor('primaweb')).toBe(row!.sid);
    const idToken = tokens.claims()!;
    if (idToken.sid) expect(idToken.sid).toBe(row!.sid);
  });

  test('Élise choosing Moulinsart goes straight on as Sociale Agent, her only role there', async () => {
    const flow = await signIn('elise');
    const form = formWith(flow.page!, 'mandate');
    const moulinsart = form.choices.find((c) => c.label.startsWith('OCMW van Moulinsart'))!.value;
    const { stoppedAt } = await submit(flow.browser, flow.page!, form, { mandate: moulinsart }, atCallback);
    expect(stoppedAt?.searchParams.get('code')).toEqual(expect.any(String));
    await finish(flow, stoppedAt!);
    const stored = (await selectionsOf('elise')).find((s) => s.mandateId === moulinsart);
    expect(stored).toMatchObject({ roleCode: 'SOCIAL_AGENT' });
  });

  test('Noémie, with one mandate and one role, goes straight through without a page', async () => {
    const flow = await signIn('noemie');
    expect(flow.page).toBeUndefined();
    expect(flow.callback?.searchParams.get('code')).toEqual(expect.any(String));
    await finish(flow, flow.callback!);
    const [row, ...others] = await selectionsOf('noemie');
    expect(others).toEqual([]);
    expect(row).toMatchObject({ clientId: 'primaweb', mandateId: await mandateOf('noemie', HERSTAPPE), roleCode: 'SOCIAL_AGENT', sid: expect.any(String) });
  });

  test('Łukasz, without a mandate PrimaWeb accepts, gets a clear page, and leaving it gives PrimaWeb access_denied', async () => {
    const flow = await signIn('lukasz');
    const page = flow.page!;
    expect(page).toMatchObject({ status: 200, lang: 'nl', title: 'Geen toegang tot deze toepassing' });
    expect(page.text).toContain('U bent niet geregistreerd in een hoedanigheid die deze toepassing aanvaardt');
    expect(page.text).toContain('toegangsbeheerder van uw organisatie');
    const back = page.forms.find((f) => f.action.endsWith('/abort'))!;
    expect(back.buttons).toEqual([{ text: 'Terug naar de toepassing' }]);
    const { stoppedAt } = await submit(flow.browser, page, back, {}, atCallback);
    expect(stoppedAt?.searchParams.get('error')).toBe('access_denied');
    expect(stoppedAt?.searchParams.get('state')).toBe(flow.state);
    expect(await selectionsOf('lukasz')).toEqual([]);
  });

  test('prompt=select_mandate shows the choice again without a login page and switches the entity of the same grant', async () => {
    const flow = await signIn('elise');
    const form = formWith(flow.page!, 'mandate');
    const moulinsart = form.choices.find((c) => c.label.startsWith('OCMW van Moulinsart'))!.value;
    const { stoppedAt } = await submit(flow.browser, flow.page!, form, { mandate: moulinsart }, atCallback);
    await finish(flow, stoppedAt!);
    const before = latest(await selectionsOf('elise'));
    expect(before.mandateId).toBe(moulinsart);

    // Same browser, same provider session: no login, straight to the choice, the current one marked.
    const again = await signIn('elise', { browser: flow.browser, params: { prompt: 'select_mandate' } });
    expect(again.page?.title).toBe('Kies uw entiteit en hoedanigheid');
    const switchForm = formWith(again.page!, 'mandate');
    expect(switchForm.choices.find((c) => c.checked)?.value).toBe(moulinsart);
    const herstappe = switchForm.choices.find((c) => c.label.startsWith('OCMW van Herstappe'))!.value;
    const { page: rolePage } = await submit(again.browser, again.page!, switchForm, { mandate: herstappe }, atCallback);
    const roles = readPage(rolePage!);
    const { stoppedAt: back } = await submit(again.browser, roles, formWith(roles, 'role'), { role: 'SOCIAL_AGENT' }, atCallback);
    expect(back?.searchParams.get('code')).toEqual(expect.any(String));
    await finish(again, back!);

    const after = (await selectionsOf('elise')).find((s) => s.grantId === before.grantId)!;
    expect(after).toMatchObject({ mandateId: herstappe, roleCode: 'SOCIAL_AGENT', sessionUid: before.sessionUid, sid: before.sid });

    // Without the prompt, the stored selection holds: no page at all.
    const silent = await signIn('elise', { browser: flow.browser });
    expect(silent.callback?.searchParams.get('code')).toEqual(expect.any(String));
  });
});

describe('consent for a third-party application', () => {
  test('lists the claims in plain words with the chosen entity and capacity; accepting grants and stores the selection', async () => {
    const flow = await signIn('elise', { rp: partner });
    const form = formWith(flow.page!, 'mandate');
    const moulinsart = form.choices.find((c) => c.label.startsWith('OCMW van Moulinsart'))!.value;
    const { page } = await submit(flow.browser, flow.page!, form, { mandate: moulinsart }, atCallback);
    const consent = readPage(page!);
    expect(consent).toMatchObject({ status: 200, lang: 'nl', title: 'Gegevens delen' });
    expect(consent.text).toContain('Partnertoepassing vraagt de volgende gegevens over u');
    expect(consent.text).toContain('Een vaste, unieke verwijzing naar u (geen rijksregisternummer)');
    expect(consent.text).toContain('Uw voornaam, familienaam en taal');
    expect(consent.text).toContain('OCMW van Moulinsart (OCMW, 0999.999.823)');
    expect(consent.text).toContain('Maatschappelijk Welzijn');
    expect(consent.text).toContain('geen rol');
    const decision = formWith(consent, 'decision');
    expect(decision.buttons).toEqual([
      { name: 'decision', value: 'accept', text: 'Toestaan' },
      { name: 'decision', value: 'deny', text: 'Weigeren' },
    ]);

    const { stoppedAt } = await submit(flow.browser, consent, decision, { decision: 'accept' }, atCallback);
    expect(stoppedAt?.searchParams.get('code')).toEqual(expect.any(String));
    await finish(flow, stoppedAt!);
    const row = (await selectionsOf('elise')).find((s) => s.clientId === 'partner')!;
    expect(row).toMatchObject({ mandateId: moulinsart, roleCode: null, sessionUid: expect.any(String) });
    const grant = await server.host.current.Grant.find(row.grantId);
    expect(grant?.getOIDCScope().split(' ').sort()).toEqual(['openid', 'profile']);
  });

  test('denying sends the application access_denied and grants nothing', async () => {
    const flow = await signIn('noemie', { rp: partner });
    // One mandate, no partner role: no choice to make, straight to consent.
    const consent = flow.page!;
    expect(consent.title).toBe('Gegevens delen');
    const { stoppedAt } = await submit(flow.browser, consent, formWith(consent, 'decision'), { decision: 'deny' }, atCallback);
    expect(stoppedAt?.searchParams.get('error')).toBe('access_denied');
    expect((await selectionsOf('noemie')).filter((s) => s.clientId === 'partner')).toEqual([]);
  });
});

describe('a form the server did not offer is refused, with a page and an audit event', () => {
  async function atMandatePage() {
    const flow = await signIn('elise');
    const page = flow.page!;
    return { flow, page, form: formWith(page, 'mandate'), uid: uidOf(page) };
  }

  test.each([
    ['a missing form token', (body: URLSearchParams) => body.delete('csrf'), 'missing_csrf', 403],
    ['a tampered form token', (body: URLSearchParams) => body.set('csrf', `${body.get('csrf')!.slice(0, -2)}AA`), 'invalid_csrf', 403],
    ['a mandate given twice', (body: URLSearchParams) => body.append('mandate', body.get('mandate')!), 'malformed_form', 400],
    ['no mandate at all', (body: URLSearchParams) => body.delete('mandate'), 'malformed_form', 400],
  ])('%s', async (_case, tamper, reason, status) => {
    const { flow, page, form, uid } = await atMandatePage();
    const body = new URLSearchParams({ ...form.hidden, mandate: form.choices[0]!.value });
    tamper(body);
    const answer = readPage(await post(flow.browser, page, form.action, body));
    expect(answer).toMatchObject({ status, title: 'Deze keuze werd niet aanvaard' });
    expect(answer.text).toContain(`Foutcode: ${reason}`);
    expect(await refusals(uid)).toEqual([expect.objectContaining({ outcome: 'failure', subject: person('elise'), client_id: 'primaweb', details: expect.objectContaining({ reason, step: 'select_mandate' }) })]);
  });

  test('an entity the person has no mandate for (another person’s mandate id)', async () => {
    const { flow, page, form, uid } = await atMandatePage();
    const forged = await mandateOf('noemie', HERSTAPPE);
    const answer = readPage(await post(flow.browser, page, form.action, new URLSearchParams({ ...form.hidden, mandate: forged })));
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('Deze keuze is niet (meer) voor u beschikbaar');
    expect(answer.text).toContain('Foutcode: unknown_mandate');
    expect(await refusals(uid)).toEqual([expect.objectContaining({ details: expect.objectContaining({ reason: 'unknown_mandate', mandate: forged }) })]);
    // The person can still choose properly afterwards.
    const { stoppedAt } = await submit(flow.browser, page, form, { mandate: await mandateOf('elise', MOULINSART) }, atCallback);
    expect(stoppedAt?.searchParams.get('code')).toEqual(expect.any(String));
  });

  test('a role the person does not hold at that entity', async () => {
    const { flow, page, form, uid } = await atMandatePage();
    const body = new URLSearchParams({ ...form.hidden, mandate: await mandateOf('elise', MOULINSART), role: 'PRIMAWEB_ADMIN' });
    const answer = readPage(await post(flow.browser, page, form.action, body));
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('Foutcode: role_not_held');
    expect(await refusals(uid)).toEqual([expect.objectContaining({ details: expect.objectContaining({ reason: 'role_not_held', role: 'PRIMAWEB_ADMIN' }) })]);
    expect(await selectionsOf('elise')).not.toContainEqual(expect.objectContaining({ roleCode: 'PRIMAWEB_ADMIN', mandateId: await mandateOf('elise', MOULINSART) }));
  });

  test('a submission replayed after the interaction finished', async () => {
    const { flow, page, form, uid } = await atMandatePage();
    const body = new URLSearchParams({ ...form.hidden, mandate: await mandateOf('elise', MOULINSART) });
    const { stoppedAt } = await flow.browser.follow(new URL(form.action, page.url), atCallback, { method: 'POST', body });
    expect(stoppedAt?.searchParams.get('code')).toEqual(expect.any(String));
    const replay = readPage(await post(flow.browser, page, form.action, body));
    expect(replay.status).toBe(403);
    expect(replay.text).toContain('Foutcode: interaction_not_found');
    expect(await refusals(uid)).toEqual([expect.objectContaining({ details: expect.objectContaining({ reason: 'interaction_not_found' }) })]);
  });

  test("another login's form token", async () => {
    const first = await atMandatePage();
    const second = await atMandatePage();
    const body = new URLSearchParams({ csrf: first.form.csrf!, mandate: second.form.choices[0]!.value });
    const answer = readPage(await post(second.flow.browser, second.page, second.form.action, body));
    expect(answer.status).toBe(403);
    expect(await refusals(second.uid)).toEqual([expect.objectContaining({ details: expect.objectContaining({ reason: 'invalid_csrf' }) })]);
  });

  test('the forms are POST only', async () => {
    const { flow, page, form } = await atMandatePage();
    const response = await flow.browser.request(new URL(`${form.action}?${new URLSearchParams({ ...form.hidden, mandate: form.choices[0]!.value })}`, page.url));
    expect(response.status).toBe(405);
  });

  test('the consent form without its token', async () => {
    const flow = await signIn('noemie', { rp: partner });
    const consent = flow.page!;
    const decision = formWith(consent, 'decision');
    const answer = readPage(await post(flow.browser, consent, decision.action, new URLSearchParams({ decision: 'accept' })));
    expect(answer.status).toBe(403);
    expect(await refusals(uidOf(consent))).toEqual([expect.objectContaining({ details: expect.objectContaining({ reason: 'missing_csrf', step: 'consent' }) })]);
  });
});

describe('the pages in the four languages', () => {
  test.each([
    ['fr', "Choisissez votre entité et votre qualité", "Démarrer l'application", 'CPAS de Herstappe CPAS · Numéro d&#39;entreprise 0999.999.922 · Qualité: Action sociale'],
    ['de', 'Wählen Sie Ihre Einrichtung und Eigenschaft', 'Anwendung starten', 'ÖSHZ Herstappe ÖSHZ · Unternehmensnummer 0999.999.922 · Eigenschaft: Sozialhilfe'],
    ['en', 'Choose your entity and capacity', 'Start the application', 'OCMW van Herstappe Public social welfare centre · Enterprise number 0999.999.922 · Capacity: Social welfare'],
  ])('ui_locales=%s', async (lang, title, button, herstappe) => {
    const flow = await signIn('elise', { params: { ui_locales: lang } });
    const page = flow.page!;
    expect(page).toMatchObject({ lang, title });
    const form = formWith(page, 'mandate');
    expect(form.buttons).toContainEqual({ text: button });
    expect(form.choices[0]!.label).toBe(herstappe.replace('&#39;', "'"));
  });

  test('the role button and the no-mandate page follow the language too', async () => {
    const flow = await signIn('elise', { params: { ui_locales: 'de' } });
    const form = formWith(flow.page!, 'mandate');
    const herstappe = form.choices.find((c) => c.label.startsWith('ÖSHZ Herstappe'))!.value;
    const { page } = await submit(flow.browser, flow.page!, form, { mandate: herstappe }, atCallback);
    const roles = readPage(page!);
    expect(roles).toMatchObject({ lang: 'de', title: 'Wählen Sie Ihre Rolle' });
    expect(formWith(roles, 'role').buttons).toContainEqual({ text: 'wählen' });
    expect(formWith(roles, 'role').choices.map((c) => c.label)).toEqual(['PrimaWeb-Verwaltung', 'Sozialarbeiter']);

    const lukasz = await signIn('lukasz', { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(lukasz.page).toMatchObject({ lang: 'en', title: 'No access to this application' });
    expect(lukasz.page!.text).toContain("You are not registered for a capacity that this application accepts. Ask your organisation's access manager");
  });

  test('the switcher re-renders the same page in another language and remembers the choice for the next pages', async () => {
    const flow = await signIn('elise');
    const page = flow.page!;
    expect(page.switcher.map((l) => [l.lang, l.text])).toEqual([
      ['fr', 'Français'],
      ['de', 'Deutsch'],
      ['en', 'English'],
    ]);
    expect(page.html).toMatch(/<span lang="nl" aria-current="page">Nederlands<\/span>/);
    const german = page.switcher.find((l) => l.lang === 'de')!;
    expect(new URL(german.href, page.url).pathname).toBe(page.url.pathname);
    const rerendered = readPage(await flow.browser.request(new URL(german.href, page.url)));
    expect(rerendered).toMatchObject({ status: 200, lang: 'de', title: 'Wählen Sie Ihre Einrichtung und Eigenschaft' });
    // The same interaction, so the same choices and form token.
    expect(formWith(rerendered, 'mandate').choices.map((c) => c.value)).toEqual(formWith(page, 'mandate').choices.map((c) => c.value));

    // The next page, reached without ?lang, is German too (the cookie), although the browser prefers Dutch.
    const form = formWith(rerendered, 'mandate');
    const { page: rolePage } = await submit(flow.browser, rerendered, form, { mandate: form.choices[0]!.value }, atCallback);
    expect(readPage(rolePage!)).toMatchObject({ lang: 'de', title: 'Wählen Sie Ihre Rolle' });
  });

  test('a refusal page has the switcher too, in the language of the refusal', async () => {
    const flow = await signIn('elise', { params: { ui_locales: 'fr' } });
    const form = formWith(flow.page!, 'mandate');
    const refused = readPage(await post(flow.browser, flow.page!, form.action, new URLSearchParams({ mandate: form.choices[0]!.value })));
    expect(refused).toMatchObject({ status: 403, lang: 'fr', title: "Ce choix n'a pas été accepté" });
    const english = refused.switcher.find((l) => l.lang === 'en')!;
    const again = readPage(await flow.browser.request(new URL(english.href, refused.url)));
    expect(again).toMatchObject({ lang: 'en', title: 'This choice was not accepted' });
    expect(again.text).toContain('Error code: missing_csrf');
  });
});
