// What the real-browser suites share: a provider instance with a TEST eID PKI of its own (the
// eID login fixture: real `openssl ocsp`, CRLs, certificate origin on its own port), the PrimaWeb
// demo relying party started in process on a free port and registered with the provider
// (redirect, post-logout and back-channel logout URIs), and Debian's Chromium with a card per
// browser context.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startPrimaweb, type RunningPrimaweb } from '../../examples/primaweb/app.ts';
import { createApplicationQueries } from '../../src/directory/applications.ts';
import { createEntityQueries } from '../../src/directory/entities.ts';
import { createProfileQueries } from '../../src/directory/profiles.ts';
import { revokeRoleAssignment, type RevocationResult } from '../../src/directory/revocation.ts';
import { createRoleQueries } from '../../src/directory/roles.ts';
import { defaultTestPersons } from '../../src/eid/pki/index.ts';
import { cardCertificate } from '../support/eid-browser.ts';
import { launchChromium, newCardContext, withScreenshots, type CardCredentials } from '../support/chromium.ts';
import { testTls } from '../support/server.ts';
import { startLoginFixture, type LoginFixture } from '../integration/eid/login/fixture.ts';

export type PersonKey = 'elise' | 'noemie' | 'lukasz';
export type KeyType = 'ec-p384' | 'rsa-2048';

export const HERSTAPPE = { enterpriseNumber: '0999999922', nl: 'OCMW van Herstappe', fr: 'CPAS de Herstappe' };
export const MOULINSART = { enterpriseNumber: '0999999823', nl: 'OCMW van Moulinsart', fr: 'CPAS de Moulinsart' };

export interface E2eFixture {
  login: LoginFixture;
  primaweb: RunningPrimaweb;
  browser: Browser;
  /** The provider's main origin, e.g. https://localhost:41000. */
  issuer: string;
  /** The origin that asks for the card's certificate. */
  certificateOrigin: string;
  /** The Authentication certificate of a person's TEST card, with its CA, and the key. */
  card(person: PersonKey, keyType?: KeyType): CardCredentials;
  /** The Signature certificate of a person's card (the one a login must refuse). */
  signatureCard(person: PersonKey): CardCredentials;
  /** A new browser (context) with the person's card in the reader. */
  newBrowser(options?: { card?: CardCredentials; locale?: string }): Promise<{ context: BrowserContext; page: Page }>;
  /** Runs a scenario; on failure, screenshots of every open page are added to the error. */
  scenario<T>(name: string, run: () => Promise<T>): Promise<T>;
  /** What an access manager does: assign a PrimaWeb profile at an entity (creating the profile). */
  assignProfile(person: PersonKey, enterpriseNumber: string, code: string): Promise<void>;
  /** What an access manager does: take a PrimaWeb role away at an entity, now (ends dependent sessions). */
  revokeRole(person: PersonKey, enterpriseNumber: string, roleCode: string): Promise<RevocationResult>;
  personId(person: PersonKey): string;
  close(): Promise<void>;
}

export async function startE2eFixture(): Promise<E2eFixture> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const [login, browser] = await Promise.all([startLoginFixture({ persons: defaultTestPersons(), rsaCards: true }), launchChromium()]);
    cleanups.push(() => login.close());
    cleanups.push(() => browser.close());
    const server = login.server;
    const clientSecret = server.seeded?.newClientSecrets.primaweb;
    if (!clientSecret) throw new Error('the test instance did not seed the primaweb client');

    // Plain HTTP on 127.0.0.1 is one of PrimaWeb's two seeded forms; it also lets the provider
    // deliver back-channel logout without trusting a certificate PrimaWeb generated.
    const primaweb = await startPrimaweb({ issuer: server.issuer, clientSecret, scheme: 'http', port: 0, providerCa: (await testTls()).ca });
    cleanups.push(() => primaweb.close());

    const applications = createApplicationQueries(server.runtime.db, server.runtime.secrets);
    const registered = await applications.findByClientId('primaweb');
    if (!registered) throw new Error('primaweb is not registered');
    const metadata = registered.metadata as Record<string, unknown> & { redirect_uris: string[]; post_logout_redirect_uris: string[] };
    await applications.upsertApplication({
      clientId: 'primaweb',
      name: registered.name,
      firstParty: registered.firstParty,
      allowNrn: registered.allowNrn,
      active: registered.active,
      metadata: {
        ...metadata,
        redirect_uris: [...metadata.redirect_uris, primaweb.redirectUri],
        post_logout_redirect_uris: [...metadata.post_logout_redirect_uris, primaweb.postLogoutRedirectUri],
        backchannel_logout_uri: primaweb.backchannelLogoutUri,
        backchannel_logout_session_required: true,
      },
    });

    const certificateOrigin = server.certificateOriginUrl;
    if (!certificateOrigin) throw new Error('the test instance has no certificate origin');
    const contexts: BrowserContext[] = [];
    const pki = login.pki;

    return {
      login,
      primaweb,
      browser,
      issuer: server.issuer,
      certificateOrigin,
      card(person, keyType = 'ec-p384') {
        const card = pki.card(person, keyType);
        return cardCertificate(card.authentication, [pki.chainFor(person === 'lukasz' ? 'foreigner' : 'citizen')[0]!]);
      },
      signatureCard(person) {
        const card = pki.card(person);
        return cardCertificate(card.signature, [pki.chainFor(person === 'lukasz' ? 'foreigner' : 'citizen')[0]!]);
      },
      async newBrowser(options = {}) {
        const context = await newCardContext(browser, {
          certificateOrigin,
          ...(options.card ? { card: options.card } : {}),
          ...(options.locale ? { locale: options.locale } : {}),
        });
        contexts.push(context);
        const page = await context.newPage();
        return { context, page };
      },
      async scenario(name, run) {
        try {
          return await withScreenshots(name, () => contexts, run);
        } finally {
          await Promise.all(contexts.splice(0).map((c) => c.close()));
        }
      },
      async assignProfile(person, enterpriseNumber, code) {
        const db = server.runtime.db;
        const entity = await createEntityQueries(db).findByEnterpriseNumber(enterpriseNumber);
        if (!entity) throw new Error(`no entity ${enterpriseNumber}`);
        const profiles = createProfileQueries(db);
        const { profile } = await profiles.upsertProfile({ clientId: 'primaweb', code, labels: { nl: code, fr: code, de: code, en: code } });
        await profiles.assign(login.personId(person), entity.id, profile.id);
      },
      async revokeRole(person, enterpriseNumber, roleCode) {
        const db = server.runtime.db;
        const entity = await createEntityQueries(db).findByEnterpriseNumber(enterpriseNumber);
        const assignment = (await createRoleQueries(db).listAssignmentsForPerson(login.personId(person))).find(
          (a) => a.entityId === entity?.id && a.clientId === 'primaweb' && a.roleCode === roleCode && a.revokedAt === null,
        );
        if (!assignment) throw new Error(`${person} holds no ${roleCode} at ${enterpriseNumber}`);
        return revokeRoleAssignment({ db, provider: server.host.current }, assignment.id, { actor: 'e2e-access-manager' });
      },
      personId: (person) => login.personId(person),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
