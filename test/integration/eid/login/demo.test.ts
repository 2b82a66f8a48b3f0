// The embedded demo (EID_DEMO_PKI=true with a data folder): on first start the instance writes a
// TEST eID hierarchy and a PKCS#12 file per demo card under DATA_DIR/eid-demo, with the password
// in manifest.json. Importing such a file into a browser is all it takes to log in to the demo
// application PrimaWeb: here undici presents it (pfx + passphrase) in the certificate origin's
// TLS handshake, and the revocation check is answered from the demo's own CRL. PrimaWeb accepts
// a capacity, so after the login Élise chooses the entity she acts for, as a demo user does.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as client from 'openid-client';
import { t } from '../../../../src/i18n/messages.ts';
import { EidBrowser, beginAuthorization, followToClient, readLoginPage } from '../../../support/eid-browser.ts';
import { discoverClient, startTestServer, type TestServer } from '../../../support/server.ts';
import { formWith, readPage, submit } from '../../interaction/helpers.ts';
import { EID_ACR, PRIMAWEB_CALLBACK } from './fixture.ts';

interface Manifest {
  pkcs12Password: string;
  cards: { id: string; name: string; pkcs12: string }[];
}

let dataDir: string;
let server: TestServer;
let primaweb: client.Configuration;
const browsers: EidBrowser[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cidp-eid-demo-'));
  server = await startTestServer({ IN_MEMORY: 'false', DATA_DIR: dataDir, EID_DEMO_PKI: 'true', EID_CERT_ORIGIN_PORT: '0' });
  primaweb = await discoverClient(server.issuer, 'primaweb', { clientSecret: server.seeded!.newClientSecrets.primaweb! });
});

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded demo: a demo card PKCS#12 file logs in', () => {
  test('the demo hierarchy and the cards are written under DATA_DIR/eid-demo', () => {
    expect(server.eid?.demo?.dir).toBe(join(dataDir, 'eid-demo'));
    const manifest = JSON.parse(readFileSync(join(dataDir, 'eid-demo/manifest.json'), 'utf8')) as Manifest;
    expect(manifest.cards.map((c) => c.id)).toEqual(expect.arrayContaining(['elise-ec', 'elise-rsa']));
    for (const card of manifest.cards) expect(existsSync(join(dataDir, 'eid-demo', card.pkcs12))).toBe(true);
  });

  test.each(['elise-ec', 'elise-rsa'])('%s: through the certificate origin to PrimaWeb, revocation checked on the demo CRL', async (cardId) => {
    const manifest = JSON.parse(readFileSync(join(dataDir, 'eid-demo/manifest.json'), 'utf8')) as Manifest;
    const card = manifest.cards.find((c) => c.id === cardId)!;
    expect(card.pkcs12).toBe(`cards/${cardId}/authentication.p12`);

    const browser = await EidBrowser.create();
    browsers.push(browser);
    const pending = await beginAuthorization(primaweb, browser, { redirectUri: PRIMAWEB_CALLBACK });
    const { eidLink } = readLoginPage(pending.loginPage);
    browser.present({ pfx: readFileSync(join(dataDir, 'eid-demo', card.pkcs12)), passphrase: manifest.pkcs12Password });
    const outcome = await followToClient(browser, new URL(eidLink!, server.url), PRIMAWEB_CALLBACK);

    // Logged in: PrimaWeb's entity step follows. At Moulinsart she holds one role, so choosing
    // it leads back to PrimaWeb.
    const mandates = readPage(outcome.page!);
    expect(mandates).toMatchObject({ status: 200, title: t('nl', 'mandate.title') });
    const form = formWith(mandates, 'mandate');
    const moulinsart = form.choices.find((c) => c.label.includes('Moulinsart'))!;
    const chosen = await submit(browser, mandates, form, { mandate: moulinsart.value }, (next) => next.href.startsWith(PRIMAWEB_CALLBACK));
    expect(chosen.page?.text.slice(0, 400)).toBeUndefined();

    const elise = server.seeded!.persons.find((p) => p.key === 'elise')!;
    const tokens = await pending.finish(chosen.stoppedAt!);
    expect(tokens.claims()).toMatchObject({ sub: elise.id, acr: EID_ACR });

    const { rows } = await server.runtime.db.query<{ outcome: string; details: Record<string, unknown> }>(
      `SELECT outcome, details FROM audit_events WHERE type = 'login.eid' AND details->>'interaction' = $1`,
      [pending.uid],
    );
    // The demo has no OCSP responder: the checker falls back to the CRL the instance itself serves.
    expect(rows).toEqual([{ outcome: 'success', details: expect.objectContaining({ source: 'tls', revocation: 'crl' }) }]);
  });
});
