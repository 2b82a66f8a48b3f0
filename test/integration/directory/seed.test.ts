import { deriveSecrets, generateMasterKey } from '../../../src/crypto/secrets.ts';
import { createApplicationQueries } from '../../../src/directory/applications.ts';
import { createEntityQueries } from '../../../src/directory/entities.ts';
import { isValidEnterpriseNumber, isValidNationalNumber, parseNationalNumber } from '../../../src/directory/identifiers.ts';
import { createMandateQueries } from '../../../src/directory/mandates.ts';
import { createPersonQueries } from '../../../src/directory/persons.ts';
import { createRoleQueries } from '../../../src/directory/roles.ts';
import { DEMO_CLIENT_ID, DEMO_PERSONS, DEMO_SERVICE_CLIENT_ID, seedDemoData, type SeedSummary } from '../../../src/directory/seed.ts';
import { connectPostgres } from '../../../src/store/database.ts';
import { describeWith } from '../../support/services.ts';
import { describeOnEachBackend, pglite, postgres } from './backends.ts';

const secrets = deriveSecrets(generateMasterKey());
const TODAY = new Date();

describe('the demo persons', () => {
  it('have valid national numbers: one born after 2000 and one BIS number', () => {
    const parsed = DEMO_PERSONS.map((p) => parseNationalNumber(p.nationalNumber));
    expect(parsed.every((p) => p !== undefined)).toBe(true);
    expect(parsed.some((p) => p!.birthYear! >= 2000)).toBe(true);
    expect(parsed.some((p) => p!.kind === 'bis')).toBe(true);
    expect(DEMO_PERSONS.every((p) => isValidNationalNumber(p.nationalNumber))).toBe(true);
  });
});

await describeOnEachBackend('seedDemoData', (_backend, db) => {
  let first: SeedSummary;
  beforeAll(async () => {
    first = await seedDemoData(db(), secrets, { issuerUrl: 'https://idp.example.test/' });
  });

  it('creates the directory and returns the client ids and, once, their new secrets', () => {
    expect(first.clientIds).toEqual([DEMO_CLIENT_ID, DEMO_SERVICE_CLIENT_ID]);
    expect(Object.keys(first.newClientSecrets).sort()).toEqual([DEMO_SERVICE_CLIENT_ID, DEMO_CLIENT_ID].sort());
    expect(first.newClientSecrets[DEMO_CLIENT_ID]!.length).toBeGreaterThanOrEqual(43);
    expect(first.created).toEqual({ entities: 3, capacities: 2, applications: 2, roles: 2, persons: 3, mandates: 3, roleAssignments: 4 });
    expect(first.discoveryUrl).toBe('https://idp.example.test/.well-known/openid-configuration');
  });

  it('never puts a clear national number in the summary', () => {
    const text = JSON.stringify(first);
    for (const p of DEMO_PERSONS) expect(text).not.toContain(p.nationalNumber);
    expect(first.persons.map((p) => p.name)).toEqual(['Élise Dubois-Janssens', 'Noémie Van den Broeck', 'Łukasz Wiśniewski-Müller']);
  });

  it('is a no-op the second time and returns no secrets then', async () => {
    const again = await seedDemoData(db(), secrets);
    expect(again.created).toEqual({ entities: 0, capacities: 0, applications: 0, roles: 0, persons: 0, mandates: 0, roleAssignments: 0 });
    expect(again.newClientSecrets).toEqual({});
    expect(again.persons.map((p) => p.id)).toEqual(first.persons.map((p) => p.id));
  });

  it('registers PrimaWeb as a confidential first-party code-flow client accepting social welfare mandates', async () => {
    const apps = createApplicationQueries(db(), secrets);
    expect(await apps.findClientMetadata(DEMO_CLIENT_ID)).toEqual({
      client_id: 'primaweb',
      client_secret: first.newClientSecrets[DEMO_CLIENT_ID],
      first_party: true,
      allow_nrn: false,
      client_name: 'PrimaWeb',
      application_type: 'web',
      redirect_uris: ['https://localhost:3000/callback', 'http://127.0.0.1:3000/callback'],
      post_logout_redirect_uris: ['https://localhost:3000/', 'http://127.0.0.1:3000/'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(await apps.findByClientId(DEMO_CLIENT_ID)).toMatchObject({ firstParty: true, allowNrn: false, active: true });
    expect(await apps.acceptedCapacities(DEMO_CLIENT_ID)).toEqual(['MAATSCHAPPELIJK_WELZIJN']);
    expect((await createRoleQueries(db()).listForApplication(DEMO_CLIENT_ID)).map((r) => [r.code, r.labels.nl])).toEqual([
      ['PRIMAWEB_ADMIN', 'PrimaWeb beheer'],
      ['SOCIAL_AGENT', 'Sociale Agent'],
    ]);
  });

  it('registers demo-service as a client_credentials machine client', async () => {
    const metadata = await createApplicationQueries(db(), secrets).findClientMetadata(DEMO_SERVICE_CLIENT_ID);
    expect(metadata).toMatchObject({ grant_types: ['client_credentials'], response_types: [], client_secret: first.newClientSecrets[DEMO_SERVICE_CLIENT_ID] });
  });

  it('creates OCMW van Herstappe and two more entities with valid enterprise numbers', async () => {
    const entities = await createEntityQueries(db()).list();
    expect(entities.map((e) => e.nameNl)).toContain('OCMW van Herstappe');
    expect(entities).toHaveLength(3);
    expect(entities.every((e) => isValidEnterpriseNumber(e.enterpriseNumber))).toBe(true);
  });

  it('gives Élise two entities in PrimaWeb, both roles at Herstappe and SOCIAL_AGENT at Moulinsart', async () => {
    const elise = first.persons.find((p) => p.key === 'elise')!;
    const mandates = await createMandateQueries(db()).validForPerson(elise.id, TODAY, DEMO_CLIENT_ID);
    expect(mandates.map((m) => m.entity.nameNl)).toEqual(['OCMW van Herstappe', 'OCMW van Moulinsart']);
    const roles = createRoleQueries(db());
    expect((await roles.rolesFor(elise.id, mandates[0]!.entityId, DEMO_CLIENT_ID, TODAY)).map((r) => r.code)).toEqual(['PRIMAWEB_ADMIN', 'SOCIAL_AGENT']);
    expect((await roles.rolesFor(elise.id, mandates[1]!.entityId, DEMO_CLIENT_ID, TODAY)).map((r) => r.code)).toEqual(['SOCIAL_AGENT']);
  });

  it('gives Noémie exactly one mandate and one role, and Łukasz none', async () => {
    const noemie = first.persons.find((p) => p.key === 'noemie')!;
    const lukasz = first.persons.find((p) => p.key === 'lukasz')!;
    const mandates = createMandateQueries(db());
    const [only, ...rest] = await mandates.validForPerson(noemie.id, TODAY, DEMO_CLIENT_ID);
    expect(rest).toEqual([]);
    expect((await createRoleQueries(db()).rolesFor(noemie.id, only!.entityId, DEMO_CLIENT_ID, TODAY)).map((r) => r.code)).toEqual(['SOCIAL_AGENT']);
    expect(await mandates.validForPerson(lukasz.id, TODAY)).toEqual([]);
  });

  it('makes the persons findable by their national numbers, sealed in the database', async () => {
    const persons = createPersonQueries(db(), secrets);
    for (const demo of DEMO_PERSONS) {
      const found = await persons.findByNationalNumber(demo.nationalNumber);
      expect(found).toMatchObject({ givenName: demo.givenName, familyName: demo.familyName, preferredLocale: demo.preferredLocale });
      expect(await persons.revealNationalNumber(found!.id)).toBe(demo.nationalNumber);
    }
  });

  it('leaves an operator’s changes alone: a revoked demo mandate stays revoked', async () => {
    const noemie = first.persons.find((p) => p.key === 'noemie')!;
    const mandates = createMandateQueries(db());
    const [mandate] = await mandates.validForPerson(noemie.id, TODAY);
    await mandates.revoke(mandate!.id);
    await seedDemoData(db(), secrets);
    expect(await mandates.validForPerson(noemie.id, TODAY)).toEqual([]);
  });
});

const describePg = await describeWith('postgres');

describePg('seedDemoData from instances starting together (PostgreSQL)', () => {
  it('seeds once: one run creates everything and reports the secrets, the other finds it in place', async () => {
    const opened = await postgres.open();
    const other = await connectPostgres(opened.url!);
    try {
      const [a, b] = await Promise.all([seedDemoData(opened.db, secrets), seedDemoData(other, secrets)]);
      expect([a.created.persons, b.created.persons].sort()).toEqual([0, 3]);
      expect([Object.keys(a.newClientSecrets).length, Object.keys(b.newClientSecrets).length].sort()).toEqual([0, 2]);
      const { rows } = await opened.db.query<{ n: number }>('SELECT count(*)::int AS n FROM persons');
      expect(rows[0]!.n).toBe(3);
    } finally {
      await other.close();
      await opened.close();
    }
  });
});

describe('seedDemoData called twice at once in one process (PGlite)', () => {
  it('seeds once', async () => {
    const opened = await pglite.open();
    try {
      const [a, b] = await Promise.all([seedDemoData(opened.db, secrets), seedDemoData(opened.db, secrets)]);
      expect([a.created.persons, b.created.persons].sort()).toEqual([0, 3]);
      expect(b.persons.map((p) => p.id)).toEqual(a.persons.map((p) => p.id));
    } finally {
      await opened.close();
    }
  });
});
