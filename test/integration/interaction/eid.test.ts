// The selection after a real eID login (no harness): Élise's card at the certificate origin,
// then her two mandates, "Applicatie opstarten", the role choice, and PrimaWeb's code.
import { EidBrowser, beginAuthorization, cardCertificate, followToClient, readLoginPage } from '../../support/eid-browser.ts';
import { PRIMAWEB_CALLBACK, startLoginFixture, type LoginFixture } from '../eid/login/fixture.ts';
import { createSelectionQueries } from '../../../src/directory/selections.ts';
import { formWith, readPage, submit } from './helpers.ts';

let fx: LoginFixture;
const browsers: EidBrowser[] = [];

beforeAll(async () => {
  fx = await startLoginFixture();
});

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await fx?.close();
});

test('after her eID login Élise chooses OCMW van Herstappe and "Sociale Agent", and PrimaWeb gets its code', async () => {
  const browser = await EidBrowser.create();
  browsers.push(browser);
  const pending = await beginAuthorization(fx.primaweb, browser, { redirectUri: PRIMAWEB_CALLBACK, params: { ui_locales: 'nl' } });
  const { eidLink } = readLoginPage(pending.loginPage);
  browser.present(cardCertificate(fx.pki.card('elise', 'ec-p384').authentication, fx.pki.chainFor('citizen')));
  const outcome = await followToClient(browser, new URL(eidLink!, fx.server.url), PRIMAWEB_CALLBACK);

  const mandates = readPage(outcome.page!);
  expect(mandates).toMatchObject({ status: 200, lang: 'nl', title: 'Kies uw entiteit en hoedanigheid' });
  const form = formWith(mandates, 'mandate');
  expect(form.choices.map((c) => c.label.split(' OCMW ·')[0])).toEqual(['OCMW van Herstappe', 'OCMW van Moulinsart']);
  const atCallback = (url: URL) => url.href.startsWith(PRIMAWEB_CALLBACK);
  const { page } = await submit(browser, mandates, form, { mandate: form.choices[0]!.value }, atCallback);

  const roles = readPage(page!);
  expect(roles.title).toBe('Kies uw rol');
  const { stoppedAt } = await submit(browser, roles, formWith(roles, 'role'), { role: 'SOCIAL_AGENT' }, atCallback);
  const tokens = await pending.finish(stoppedAt!);
  expect(tokens.claims()).toMatchObject({ sub: fx.personId('elise') });

  const [row] = await createSelectionQueries(fx.server.runtime.db).listForPerson(fx.personId('elise'));
  expect(row).toMatchObject({ clientId: 'primaweb', mandateId: form.choices[0]!.value, roleCode: 'SOCIAL_AGENT', sessionUid: expect.any(String), sid: expect.any(String) });
});
