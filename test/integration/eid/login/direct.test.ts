// The eID login end to end in direct mode: openid-client (the fixture's first-party application,
// code flow with PKCE) sends a browser to the provider; the login page offers the eID; the
// certificate origin, a TLS listener of its own, asks for the card's certificate in a real
// handshake; the browser comes back with a one-time ticket and then to the application with a
// code. The trust anchors are a TEST PKI of this suite's own, configured through
// EID_TRUST_ANCHORS and EID_INTERMEDIATES, with revocation answered by a real `openssl ocsp`.
import net from 'node:net';
import tls from 'node:tls';
import { spawn } from 'node:child_process';
import { formatNationalNumber, isValidNationalNumber } from '../../../../src/directory/identifiers.ts';
import type { TestPersonSpec } from '../../../../src/eid/pki/index.ts';
import { t } from '../../../../src/i18n/messages.ts';
import { EidBrowser, beginAuthorization, cardCertificate, followToClient, readLoginPage } from '../../../support/eid-browser.ts';
import { fetchTrusted, testTls } from '../../../support/server.ts';
import { APP, APP_CALLBACK, EID_ACR, ELISE, startLoginFixture, type LoginFixture } from './fixture.ts';

/** Not in the demo directory: provisioned on first login. A valid number of someone born 1990-01-01. */
const NEWCOMER: TestPersonSpec = { key: 'newcomer', nationalNumber: '90010100123', givenName: 'Jozef', familyName: 'Nieuwkomer' };

let fx: LoginFixture;
const browsers: EidBrowser[] = [];

async function newBrowser(headers?: Record<string, string>): Promise<EidBrowser> {
  const browser = await EidBrowser.create(headers ? { headers } : {});
  browsers.push(browser);
  return browser;
}

/** A whole login with the given card: the tokens, the interaction uid and the login page seen. */
async function logIn(presented: ReturnType<typeof cardCertificate>) {
  const browser = await newBrowser();
  const pending = await beginAuthorization(fx.app, browser, { redirectUri: APP_CALLBACK });
  const loginPage = readLoginPage(pending.loginPage);
  browser.present(presented);
  const outcome = await followToClient(browser, new URL(loginPage.eidLink!, fx.server.url), APP_CALLBACK);
  if (!outcome.callback) throw new Error(`the login ended on a page (HTTP ${outcome.page.status}): ${outcome.page.text.slice(0, 400)}`);
  expect(outcome.callback.searchParams.get('code')).toEqual(expect.any(String));
  const tokens = await pending.finish(outcome.callback);
  return { tokens, claims: tokens.claims()!, uid: pending.uid, loginPage, pending };
}

async function wholeTable(table: string): Promise<string> {
  const { rows } = await fx.server.runtime.db.query(`SELECT * FROM ${table}`);
  return JSON.stringify(rows);
}

beforeAll(async () => {
  expect(isValidNationalNumber(NEWCOMER.nationalNumber)).toBe(true);
  fx = await startLoginFixture({ persons: [ELISE, NEWCOMER], rsaCards: true });
});

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await fx?.close();
});

describe('eID login through the certificate origin (direct mode)', () => {
  test("Élise logs in to an application with her EC P-384 card: the ID token names her directory id, the eID level and the card's factors", async () => {
    const card = fx.pki.card('elise', 'ec-p384');
    const { claims, uid, loginPage, pending } = await logIn(cardCertificate(card.authentication, fx.pki.chainFor('citizen')));

    // The login page offers the eID, in Dutch unless the browser asks otherwise.
    expect(pending.loginPage.status).toBe(200);
    expect(loginPage).toEqual({ lang: 'nl', title: t('nl', 'login.title'), eidLink: `/interaction/${uid}/eid`, eidButton: t('nl', 'login.eid.button') });
    expect(fx.server.certificateOriginUrl).toMatch(/^https:\/\/localhost:\d+$/);
    expect(fx.server.certificateOriginUrl).not.toBe(fx.server.issuer);

    expect(claims).toMatchObject({ iss: fx.server.issuer, aud: APP, sub: fx.personId('elise'), acr: EID_ACR });
    expect(claims.amr).toEqual(expect.arrayContaining(['sc', 'hwk', 'pin', 'mfa']));

    const [event, ...others] = await fx.audit({ interaction: uid, type: 'login.eid' });
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      outcome: 'success',
      subject: fx.personId('elise'),
      actor: fx.personId('elise'),
      client_id: APP,
      details: { source: 'tls', provisioned: false, revocation: 'ocsp', certificate: { serial: card.authentication.serialNumber } },
    });
    // The audit trail never holds the national register number, in any form.
    const audit = await wholeTable('audit_events');
    expect(audit).not.toContain(ELISE.nationalNumber);
    expect(audit).not.toContain(formatNationalNumber(ELISE.nationalNumber));
    expect(fx.responder.requests).toBeGreaterThan(0);
    expect(await fx.metric('capacity_idp_eid_logins_total', { outcome: 'success', source: 'tls' })).toBeGreaterThanOrEqual(1);
  });

  test('a browser that prefers no language we speak gets the login page in Dutch; one that prefers French gets French', async () => {
    for (const [acceptLanguage, locale] of [['ja, zh;q=0.8', 'nl'], ['fr-BE, nl;q=0.5', 'fr']] as const) {
      const pending = await beginAuthorization(fx.app, await newBrowser({ 'accept-language': acceptLanguage }), { redirectUri: APP_CALLBACK });
      expect(readLoginPage(pending.loginPage)).toMatchObject({ lang: locale, eidButton: t(locale, 'login.eid.button') });
    }
  });

  test('the same person with an older RSA 2048 card gets the same subject', async () => {
    const card = fx.pki.card('elise', 'rsa-2048');
    const { claims, uid } = await logIn(cardCertificate(card.authentication, fx.pki.chainFor('citizen')));
    expect(claims).toMatchObject({ sub: fx.personId('elise'), acr: EID_ACR });
    expect(claims.amr).toEqual(expect.arrayContaining(['sc', 'hwk', 'pin', 'mfa']));
    const [event] = await fx.audit({ interaction: uid, type: 'login.eid' });
    expect(event).toMatchObject({ outcome: 'success', subject: fx.personId('elise'), details: { certificate: { serial: card.authentication.serialNumber } } });
  });

  test('the same browser and card log in again (prompt=login): the certificate origin sees the card on the new connection too', async () => {
    const browser = await newBrowser();
    browser.present(cardCertificate(fx.pki.card('elise').authentication, fx.pki.chainFor('citizen')));
    for (const params of [{}, { prompt: 'login' }] as Record<string, string>[]) {
      const pending = await beginAuthorization(fx.app, browser, { redirectUri: APP_CALLBACK, params });
      const outcome = await followToClient(browser, new URL(`/interaction/${pending.uid}/eid`, fx.server.url), APP_CALLBACK);
      expect(outcome.page?.text.slice(0, 400)).toBeUndefined();
      expect((await pending.finish(outcome.callback!)).claims()!.sub).toBe(fx.personId('elise'));
    }
  });

  test('a card holder who is not in the directory is provisioned on the first login, once', async () => {
    const countPersons = async () => (await fx.server.runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM persons')).rows[0]!.n;
    const before = await countPersons();
    const card = fx.pki.card('newcomer', 'ec-p384');
    const first = await logIn(cardCertificate(card.authentication, fx.pki.chainFor('citizen')));

    const sub = first.claims.sub;
    expect(fx.server.seeded!.persons.map((p) => p.id)).not.toContain(sub);
    expect(await countPersons()).toBe(before + 1);
    const { rows } = await fx.server.runtime.db.query<{ nrn_encrypted: string; given_name: string; family_name: string }>(
      'SELECT nrn_encrypted, given_name, family_name FROM persons WHERE id = $1',
      [sub],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ given_name: NEWCOMER.givenName, family_name: NEWCOMER.familyName });
    expect(rows[0]!.nrn_encrypted).not.toContain(NEWCOMER.nationalNumber);
    expect(await wholeTable('persons')).not.toContain(NEWCOMER.nationalNumber);
    const [event] = await fx.audit({ interaction: first.uid, type: 'login.eid' });
    expect(event).toMatchObject({ outcome: 'success', subject: sub, details: { provisioned: true } });
    expect(await wholeTable('audit_events')).not.toContain(NEWCOMER.nationalNumber);

    // The next login finds the same person: no second row.
    const second = await logIn(cardCertificate(card.authentication, fx.pki.chainFor('citizen')));
    expect(second.claims.sub).toBe(sub);
    expect(await countPersons()).toBe(before + 1);
  });
});

// TLS 1.2 sends the server's first flight in the clear: ServerHello (2), Certificate (11),
// ServerKeyExchange (12), CertificateRequest (13) only when the server asks for a client
// certificate, ServerHelloDone (14). A relay between a node:tls client and the listener records
// what the server sent; the handshake types are read from the records up to ChangeCipherSpec,
// after which everything is encrypted. That observes the CertificateRequest itself rather than
// inferring it from the client's behaviour.
async function serverFlight(port: number, clientCertificate?: { cert: string; key: string }): Promise<number[]> {
  const received: Buffer[] = [];
  const relay = net.createServer((downstream) => {
    const upstream = net.connect(port, '127.0.0.1');
    upstream.on('data', (chunk: Buffer) => received.push(chunk));
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    const end = () => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  try {
    const { ca } = await testTls();
    const socket = tls.connect({
      host: '127.0.0.1',
      port: (relay.address() as net.AddressInfo).port,
      servername: 'localhost',
      ca,
      maxVersion: 'TLSv1.2',
      ...clientCertificate,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    socket.end();
  } finally {
    relay.close();
  }
  const bytes = Buffer.concat(received);
  const handshake: Buffer[] = [];
  for (let at = 0; at + 5 <= bytes.length; ) {
    const type = bytes[at]!;
    const length = bytes.readUInt16BE(at + 3);
    if (type === 20) break;
    if (type === 22) handshake.push(bytes.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  const messages = Buffer.concat(handshake);
  const types: number[] = [];
  for (let at = 0; at + 4 <= messages.length; at += 4 + messages.readUIntBE(at + 1, 3)) types.push(messages[at]!);
  return types;
}

/** TLS 1.3 encrypts the CertificateRequest: `openssl s_client -msg` prints every handshake message it decrypted. */
function opensslHandshake(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-tls1_3', '-msg'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
    // s_client sends nothing and quits at end of input, after the handshake.
    child.stdin.end();
  });
}

describe('only the certificate origin asks for a certificate', () => {
  const CERTIFICATE_REQUEST = 13;
  const SERVER_HELLO_DONE = 14;
  const port = (url: string) => Number(new URL(url).port);

  test('over TLS 1.2 the main listener sends no CertificateRequest; the certificate origin does', async () => {
    const presented = cardCertificate(fx.pki.card('elise').authentication, fx.pki.chainFor('citizen')) as { cert: string; key: string };
    const main = await serverFlight(fx.server.port, presented);
    const origin = await serverFlight(port(fx.server.certificateOriginUrl!), presented);
    // The first flight, up to ServerHelloDone (the main listener then adds a NewSessionTicket, 4;
    // the certificate origin issues none, so a retry is a full handshake).
    const firstFlight = (types: number[]) => types.slice(0, types.indexOf(SERVER_HELLO_DONE) + 1);
    expect(firstFlight(main)).toEqual([2, 11, 12, SERVER_HELLO_DONE]);
    expect(firstFlight(origin)).toEqual([2, 11, 12, CERTIFICATE_REQUEST, SERVER_HELLO_DONE]);
    expect(main).not.toContain(CERTIFICATE_REQUEST);
  });

  test('over TLS 1.3 likewise (openssl s_client -msg)', async () => {
    const main = await opensslHandshake(fx.server.port);
    const origin = await opensslHandshake(port(fx.server.certificateOriginUrl!));
    expect(main).toMatch(/<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], Finished/);
    expect(main).not.toContain('CertificateRequest');
    expect(origin).toMatch(/<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateRequest/);
  });

  test('the main origin answers a client without any certificate', async () => {
    const response = await fetchTrusted(`${fx.server.url}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
  });
});
