// What the eID login suites share: a TEST PKI of the suite's own, written to a temporary folder
// and configured the way an operator configures the real Belgian roots (EID_TRUST_ANCHORS and
// EID_INTERMEDIATES); a real `openssl ocsp` for each CA behind the counting front and a CRL
// server at the URLs the certificates name; an embedded in-memory instance; openid-client for
// two applications; and readers for the audit trail and the metrics. startTestPkiServices is the
// PKI and revocation part alone, for suites that start their instances themselves.
//
// The eID login suites log in to `app`, a first-party application of the fixture's own with
// PrimaWeb's metadata that accepts no capacity: the login leads straight back to it with a code,
// so they test the login and not the entity/capacity/role step that PrimaWeb adds after it
// (test/integration/interaction/eid.test.ts takes that step after a real eID login).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { defaultTestPersons, generateTestPki, writeTestPki, type CaKind, type TestPersonSpec, type TestPki, type WrittenPki } from '../../../../src/eid/pki/index.ts';
import { createOcspFront, startCrlServer, type CrlServer, type OcspResponder, type OcspResponderFiles } from '../../../support/ocsp-responder.ts';
import { TEST_APP_CALLBACK, discoverClient, fetchTrusted, registerTestApplication, startTestServer, type TestServer } from '../../../support/server.ts';
import { metricValue } from '../../../support/eid-browser.ts';

export const PRIMAWEB_CALLBACK = 'https://localhost:3000/callback';
/** The client id of the fixture's own application (see above). */
export const APP = 'eid-login-app';
/** Where `app` receives the code: PrimaWeb's redirect URI, as it is registered like PrimaWeb. */
export const APP_CALLBACK = TEST_APP_CALLBACK;
export const EID_ACR = 'urn:be:fedict:iam:fas:Level500';

export const ELISE: TestPersonSpec = defaultTestPersons().find((p) => p.key === 'elise')!;

export interface AuditRow {
  id: number;
  type: string;
  outcome: string;
  actor: string | null;
  subject: string | null;
  client_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface LoginFixture {
  server: TestServer;
  pki: TestPki;
  written: WrittenPki;
  /** `openssl ocsp` for the Citizen CA (the cards here are citizens'; Foreigner CA cards fall back to the CRL). */
  responder: OcspResponder;
  crls: CrlServer;
  /** The demo application: after the login, Élise chooses an entity, capacity and role for it. */
  primaweb: client.Configuration;
  /** First-party, no capacity accepted: the login alone leads back to it with a code. */
  app: client.Configuration;
  /** Restarts the responders on the current index.txt and serves the current CRLs (after pki.revoke). */
  publishRevocations(): Promise<void>;
  /** Seeded person id by demo key. */
  personId(key: string): string;
  audit(where?: { interaction?: string; type?: string }): Promise<AuditRow[]>;
  metric(name: string, labels: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  persons?: TestPersonSpec[];
  rsaCards?: boolean;
  /** Runs on the generated PKI before it is written (so index.txt lists what it issues). */
  beforeWrite?: (pki: TestPki) => Promise<void>;
  env?: Record<string, string>;
}

function responderFiles(dir: string, ca: CaKind): OcspResponderFiles {
  return { index: join(dir, ca, 'index.txt'), ca: join(dir, ca, 'ca.pem'), signerCert: join(dir, ca, 'ocsp.pem'), signerKey: join(dir, ca, 'ocsp.key') };
}

export interface TestPkiServices {
  pki: TestPki;
  written: WrittenPki;
  /** `openssl ocsp` for the Citizen CA behind the counting front. */
  responder: OcspResponder;
  crls: CrlServer;
  /** What makes an instance trust this PKI instead of the demo one, as an operator configures the real roots. */
  env: Record<string, string>;
  /** Restarts the responders on the current index.txt and serves the current CRLs (after pki.revoke). */
  publishRevocations(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The suite's TEST PKI with its revocation services and no instance: for suites that start
 * instances of their own (several sharing PostgreSQL and Redis, say) and pass them `env`.
 */
export async function startTestPkiServices(options: Pick<FixtureOptions, 'persons' | 'rsaCards' | 'beforeWrite'> = {}): Promise<TestPkiServices> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const responder = await createOcspFront();
    cleanups.push(() => responder.stop());
    const crls = await startCrlServer();
    cleanups.push(() => crls.stop());
    const pki = await generateTestPki({
      persons: options.persons ?? [ELISE],
      rsaCards: options.rsaCards ?? false,
      ocspUrl: `${responder.url}/{ca}`,
      crlBaseUrl: `${crls.url}/crl`,
    });
    await options.beforeWrite?.(pki);
    const dir = mkdtempSync(join(tmpdir(), 'cidp-eid-login-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const written = await writeTestPki(pki, dir);

    const publishRevocations = async () => {
      // openssl reads index.txt once: a revocation needs a new responder process.
      await responder.start(responderFiles(dir, 'citizen'));
      for (const ca of ['citizen', 'foreigner'] as const) crls.put(`/crl/${ca}.crl`, pki.cas[ca].crl.der);
    };
    await publishRevocations();

    return {
      pki,
      written,
      responder,
      crls,
      env: { EID_DEMO_PKI: 'false', EID_TRUST_ANCHORS: written.trustAnchor, EID_INTERMEDIATES: written.intermediates.join(',') },
      publishRevocations,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function startLoginFixture(options: FixtureOptions = {}): Promise<LoginFixture> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const services = await startTestPkiServices(options);
    cleanups.push(() => services.close());
    const { pki, written, responder, crls, publishRevocations } = services;

    const server = await startTestServer({
      ...services.env,
      EID_CERT_ORIGIN_PORT: '0',
      ...options.env,
    });
    cleanups.push(() => server.close());
    const seeded = server.seeded!;
    const primaweb = await discoverClient(server.issuer, 'primaweb', { clientSecret: seeded.newClientSecrets.primaweb! });
    const app = await registerTestApplication(server, APP);

    return {
      server,
      pki,
      written,
      responder,
      crls,
      primaweb,
      app,
      publishRevocations,
      personId(key) {
        const person = seeded.persons.find((p) => p.key === key);
        if (!person) throw new Error(`no seeded person "${key}"`);
        return person.id;
      },
      async audit(where = {}) {
        const { rows } = await server.runtime.db.query<AuditRow>(
          `SELECT id, type, outcome, actor, subject, client_id, ip, details FROM audit_events
           WHERE ($1::text IS NULL OR details->>'interaction' = $1) AND ($2::text IS NULL OR type = $2) ORDER BY id`,
          [where.interaction ?? null, where.type ?? null],
        );
        return rows;
      },
      async metric(name, labels) {
        const response = await fetchTrusted(`${server.url}/metrics`);
        return metricValue(await response.text(), name, labels);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
