import { deriveSecrets, generateMasterKey, DecryptionError } from '../../../src/crypto/secrets.ts';
import { createApplicationQueries } from '../../../src/directory/applications.ts';
import { listAuditEvents, recordAudit } from '../../../src/directory/audit.ts';
import { createCapacityQueries } from '../../../src/directory/capacities.ts';
import { createEntityQueries, entityName } from '../../../src/directory/entities.ts';
import { enterpriseNumberCheckDigits, InvalidIdentifierError, nationalNumberCheckDigits } from '../../../src/directory/identifiers.ts';
import { createMandateQueries } from '../../../src/directory/mandates.ts';
import { createPersonQueries } from '../../../src/directory/persons.ts';
import { createProfileQueries } from '../../../src/directory/profiles.ts';
import { createRoleQueries } from '../../../src/directory/roles.ts';
import { describeOnEachBackend } from './backends.ts';

const secrets = deriveSecrets(generateMasterKey());

let counter = 100;
/** A fresh valid national register number (born 1980-01-01, next day counter). */
function nextNationalNumber(): string {
  const first9 = `800101${String(counter++).padStart(3, '0')}`;
  return first9 + nationalNumberCheckDigits(first9, false);
}
let kbo = 1000;
function nextEnterpriseNumber(): string {
  const first8 = `0888${String(kbo++).padStart(4, '0')}`;
  return first8 + enterpriseNumberCheckDigits(first8);
}

await describeOnEachBackend('persons', (_backend, db) => {
  const persons = () => createPersonQueries(db(), secrets);

  it('stores the national number only sealed, and finds the person by it in any printed form', async () => {
    const nrn = nextNationalNumber();
    const created = await persons().create({ nationalNumber: nrn, givenName: 'Élise', familyName: 'Dubois-Janssens', preferredLocale: 'fr' });
    expect(created).toMatchObject({ givenName: 'Élise', familyName: 'Dubois-Janssens', preferredLocale: 'fr', lastLoginAt: null });
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const { rows } = await db().query<Record<string, string>>('SELECT * FROM persons WHERE id = $1', [created.id]);
    expect(JSON.stringify(rows[0])).not.toContain(nrn);
    expect(rows[0]!.nrn_encrypted).toMatch(/^v1\./);

    const printed = `${nrn.slice(0, 2)}.${nrn.slice(2, 4)}.${nrn.slice(4, 6)}-${nrn.slice(6, 9)}.${nrn.slice(9)}`;
    expect((await persons().findByNationalNumber(printed))?.id).toBe(created.id);
    expect((await persons().findById(created.id))?.familyName).toBe('Dubois-Janssens');
    expect(await persons().revealNationalNumber(created.id)).toBe(nrn);
  });

  it('treats unknown and invalid numbers alike: not found', async () => {
    expect(await persons().findByNationalNumber(nextNationalNumber())).toBeUndefined();
    expect(await persons().findByNationalNumber('12345678901')).toBeUndefined();
    expect(await persons().findById('no-such-id')).toBeUndefined();
    expect(await persons().revealNationalNumber('no-such-id')).toBeUndefined();
  });

  it('refuses an invalid number and a second person with the same number', async () => {
    await expect(persons().create({ nationalNumber: '93051822362', givenName: 'A', familyName: 'B' })).rejects.toThrow(InvalidIdentifierError);
    const nrn = nextNationalNumber();
    await persons().create({ nationalNumber: nrn, givenName: 'A', familyName: 'B' });
    await expect(persons().create({ nationalNumber: nrn, givenName: 'C', familyName: 'D' })).rejects.toThrow(/persons_nrn_hash_key|duplicate/);
  });

  it('binds the sealed number to its row and to the master key', async () => {
    const a = await persons().create({ nationalNumber: nextNationalNumber(), givenName: 'A', familyName: 'A' });
    const b = await persons().create({ nationalNumber: nextNationalNumber(), givenName: 'B', familyName: 'B' });
    await db().query('UPDATE persons SET nrn_encrypted = (SELECT nrn_encrypted FROM persons WHERE id = $1) WHERE id = $2', [a.id, b.id]);
    await expect(persons().revealNationalNumber(b.id)).rejects.toThrow(DecryptionError);
    const otherKey = createPersonQueries(db(), deriveSecrets(generateMasterKey()));
    await expect(otherKey.revealNationalNumber(a.id)).rejects.toThrow(DecryptionError);
  });

  it('records the last login and profile changes', async () => {
    const p = await persons().create({ nationalNumber: nextNationalNumber(), givenName: 'Jan', familyName: 'Peeters' });
    const at = new Date('2025-02-03T04:05:06.000Z');
    await persons().recordLogin(p.id, at);
    expect((await persons().findById(p.id))?.lastLoginAt?.toISOString()).toBe(at.toISOString());
    expect(await persons().updateProfile(p.id, { preferredLocale: 'de' })).toMatchObject({ givenName: 'Jan', preferredLocale: 'de' });
  });

  it('refuses a locale the product does not speak', async () => {
    const p = await persons().create({ nationalNumber: nextNationalNumber(), givenName: 'X', familyName: 'Y' });
    await expect(db().query(`UPDATE persons SET preferred_locale = 'es' WHERE id = $1`, [p.id])).rejects.toThrow(/persons_preferred_locale_check/);
  });
});

await describeOnEachBackend('entities', (_backend, db) => {
  const entities = () => createEntityQueries(db());

  it('stores the enterprise number as 10 digits and finds it in the printed form', async () => {
    const n = nextEnterpriseNumber();
    const e = await entities().create({ enterpriseNumber: `${n.slice(0, 4)}.${n.slice(4, 7)}.${n.slice(7)}`, type: 'OCMW', nameNl: 'OCMW Testdorp' });
    expect(e).toMatchObject({ enterpriseNumber: n, type: 'OCMW', nameNl: 'OCMW Testdorp', nameFr: null, active: true });
    expect((await entities().findByEnterpriseNumber(`BE${n}`))?.id).toBe(e.id);
  });

  it('refuses wrong check digits in code and a malformed number in the database', async () => {
    await expect(entities().create({ enterpriseNumber: '0566988258', type: 'OCMW', nameNl: 'X' })).rejects.toThrow(InvalidIdentifierError);
    await expect(
      db().query(`INSERT INTO entities (id, enterprise_number, type, name_nl) VALUES ('x', '2566988259', 'OCMW', 'X')`),
    ).rejects.toThrow(/entities_enterprise_number_format/);
  });

  it('needs a name in at least one language', async () => {
    await expect(entities().create({ enterpriseNumber: nextEnterpriseNumber(), type: 'CPAS' })).rejects.toThrow(/entities_has_name/);
  });

  it('upserts by enterprise number and reports whether it created the entity', async () => {
    const n = nextEnterpriseNumber();
    const first = await entities().upsertByEnterpriseNumber({ enterpriseNumber: n, type: 'CPAS', nameFr: 'CPAS de Test' });
    const second = await entities().upsertByEnterpriseNumber({ enterpriseNumber: n, type: 'CPAS', nameFr: 'CPAS de Test-sur-Mer' });
    expect([first.created, second.created]).toEqual([true, false]);
    expect(second.entity.id).toBe(first.entity.id);
    expect(second.entity.nameFr).toBe('CPAS de Test-sur-Mer');
  });

  it('names an entity in the requested language, falling back to another one', () => {
    const e = { nameNl: 'OCMW X', nameFr: null, nameDe: 'ÖSHZ X' };
    expect(entityName(e, 'de')).toBe('ÖSHZ X');
    expect(entityName(e, 'fr')).toBe('OCMW X');
    expect(entityName(e, 'en')).toBe('OCMW X');
  });
});

await describeOnEachBackend('mandates, applications, roles and profiles', (_backend, db) => {
  const person = () => createPersonQueries(db(), secrets).create({ nationalNumber: nextNationalNumber(), givenName: 'Test', familyName: 'Persoon' });
  const entity = (active = true) =>
    createEntityQueries(db()).create({ enterpriseNumber: nextEnterpriseNumber(), type: 'OCMW', nameNl: `OCMW ${kbo}`, active });
  const applications = () => createApplicationQueries(db(), secrets);

  beforeAll(async () => {
    const capacities = createCapacityQueries(db());
    await capacities.upsert({ code: 'MAATSCHAPPELIJK_WELZIJN', labels: { nl: 'Maatschappelijk Welzijn', fr: 'Action sociale', de: 'Sozialhilfe', en: 'Social welfare' } });
    await capacities.upsert({ code: 'SCHULDBEMIDDELING', labels: { nl: 'Schuldbemiddeling', fr: 'Médiation de dettes', de: 'Schuldnerberatung', en: 'Debt mediation' } });
    await applications().upsertApplication({
      clientId: 'app-a',
      name: 'App A',
      metadata: { redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'client_secret_basic' },
      clientSecret: 'a-secret',
      firstParty: true,
    });
    await applications().setAcceptedCapacities('app-a', ['MAATSCHAPPELIJK_WELZIJN']);
  });

  describe('validForPerson', () => {
    it('returns the mandates that hold on the day, with entity and capacity labels', async () => {
      const p = await person();
      const e = await entity();
      const mandates = createMandateQueries(db());
      await mandates.create({ personId: p.id, entityId: e.id, capacityCode: 'MAATSCHAPPELIJK_WELZIJN', validFrom: '2024-01-01', validUntil: '2024-12-31' });
      const [valid] = await mandates.validForPerson(p.id, '2024-06-15');
      expect(valid).toMatchObject({ validFrom: '2024-01-01', validUntil: '2024-12-31', entity: { id: e.id, enterpriseNumber: e.enterpriseNumber } });
      expect(valid!.capacity).toEqual({ code: 'MAATSCHAPPELIJK_WELZIJN', labels: { nl: 'Maatschappelijk Welzijn', fr: 'Action sociale', de: 'Sozialhilfe', en: 'Social welfare' } });
    });

    it('counts the first and the last day, and nothing outside them', async () => {
      const p = await person();
      const e = await entity();
      const mandates = createMandateQueries(db());
      await mandates.create({ personId: p.id, entityId: e.id, capacityCode: 'MAATSCHAPPELIJK_WELZIJN', validFrom: '2024-03-01', validUntil: '2024-03-31' });
      expect(await mandates.validForPerson(p.id, '2024-02-29')).toHaveLength(0);
      expect(await mandates.validForPerson(p.id, '2024-03-01')).toHaveLength(1);
      expect(await mandates.validForPerson(p.id, '2024-03-31')).toHaveLength(1);
      expect(await mandates.validForPerson(p.id, '2024-04-01')).toHaveLength(0);
    });

    it('reads a moment as a day in Brussels', async () => {
      const p = await person();
      const e = await entity();
      const mandates = createMandateQueries(db());
      await mandates.create({ personId: p.id, entityId: e.id, capacityCode: 'MAATSCHAPPELIJK_WELZIJN', validFrom: '2024-04-01' });
      // 22:30 UTC on 31 March is already 1 April (00:30) in Brussels.
      expect(await mandates.validForPerson(p.id, new Date('2024-03-31T22:30:00Z'))).toHaveLength(1);
      expect(await mandates.validForPerson(p.id, new Date('2024-03-31T21:30:00Z'))).toHaveLength(0);
    });

    it('leaves out revoked mandates and inactive entities', async () => {
      const p = await person();
      const mandates = createMandateQueries(db());
      const revoked = await mandates.create({ personId: p.id, entityId: (await entity()).id, capacityCode: 'MAATSCHAPPELIJK_WELZIJN', validFrom: '2024-01-01' });
      await mandates.create({ personId: p.id, entityId: (await entity(false)).id, capacityCode: 'MAATSCHAPPELIJK_WELZIJN', validFrom: '2024-01-01' });
      expect(await mandates.revoke(revoked.id)).toBe(true);
      expect(await mandates.revoke(revoked.id)).toBe(false);
      expect(await mandates.validForPerson(p.id, '2024-06-01')).toEqual([]);
      expect(await mandates.listForPerson(p.id)).toHaveLength(2);
    });

    it('with a client, keeps only capacities that application accepts', async () => {
      const p = await person();
      const e = await entity();
      const mandates = createMandateQueries(db());
      await mandates.create({ personId: p.id, entityId: e.id, capacityCode: 'MAATSCHAPPELIJK_WELZIJN', validFrom: '2024-01-01' });
      await mandates.create({ personId: p.id, entityId: e.id, capacityCode: 'SCHULDBEMIDDELING', validFrom: '2024-01-01' });
      expect((await mandates.validForPerson(p.id, '2024-06-01')).map((m) => m.capacityCode)).toEqual(['MAATSCHAPPELIJK_WELZIJN', 'SCHULDBEMIDDELING']);
      expect((await mandates.validForPerson(p.id, '2024-06-01', 'app-a')).map((m) => m.capacityCode)).toEqual(['MAATSCHAPPELIJK_WELZIJN']);
      expect(await mandates.validForPerson(p.id, '2024-06-01', 'unknown-app')).toEqual([]);
    });

    it('refuses a mandate that ends before it starts', async () => {
      const p = await person();
      const e = await entity();
      await expect(
        createMandateQueries(db()).create({ personId: p.id, entityId: e.id, capacityCode: 'MAATSCHAPPELIJK_WELZIJN', validFrom: '2024-02-01', validUntil: '2024-01-31' }),
      ).rejects.toThrow(/mandates_validity_order/);
    });
  });

  describe('applications', () => {
    it('gives oidc-provider the metadata with client_id and the unsealed secret', async () => {
      expect(await applications().findClientMetadata('app-a')).toEqual({
        client_id: 'app-a',
        client_secret: 'a-secret',
        first_party: true,
        allow_nrn: false,
        redirect_uris: ['https://a.example/cb'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const { rows } = await db().query<Record<string, unknown>>('SELECT * FROM applications WHERE client_id = $1', ['app-a']);
      expect(JSON.stringify(rows[0])).not.toContain('a-secret');
    });

    it('returns undefined for unknown and for deactivated clients', async () => {
      expect(await applications().findClientMetadata('nobody')).toBeUndefined();
      await applications().upsertApplication({ clientId: 'app-off', name: 'Off', metadata: {}, active: false });
      expect(await applications().findClientMetadata('app-off')).toBeUndefined();
      expect((await applications().findByClientId('app-off'))?.active).toBe(false);
    });

    it('keeps the stored secret on update unless a new one or null is given', async () => {
      const first = await applications().upsertApplication({ clientId: 'app-b', name: 'B', metadata: { grant_types: ['client_credentials'] }, clientSecret: 's1' });
      expect(first.created).toBe(true);
      const second = await applications().upsertApplication({ clientId: 'app-b', name: 'B2', metadata: { grant_types: ['client_credentials'], redirect_uris: [] } });
      expect(second.created).toBe(false);
      expect((await applications().findClientMetadata('app-b'))?.client_secret).toBe('s1');
      await applications().upsertApplication({ clientId: 'app-b', name: 'B2', metadata: {}, clientSecret: 's2' });
      expect((await applications().findClientMetadata('app-b'))?.client_secret).toBe('s2');
      await applications().upsertApplication({ clientId: 'app-b', name: 'B2', metadata: {}, clientSecret: null });
      expect(await applications().findClientMetadata('app-b')).toEqual({ client_id: 'app-b', first_party: false, allow_nrn: false });
      expect(await applications().setClientSecret('app-b', 's3')).toBe(true);
      expect((await applications().findByClientId('app-b'))?.hasClientSecret).toBe(true);
    });

    it('refuses a secret smuggled into the metadata, and a mismatching client_id', async () => {
      await expect(applications().upsertApplication({ clientId: 'app-c', name: 'C', metadata: { client_secret: 'x' } })).rejects.toThrow(/clientSecret/);
      await expect(applications().upsertApplication({ clientId: 'app-c', name: 'C', metadata: { client_id: 'other' } })).rejects.toThrow(/does not match/);
    });

    it('sets the accepted capacities to exactly the given list', async () => {
      await applications().upsertApplication({ clientId: 'app-d', name: 'D', metadata: {} });
      await applications().setAcceptedCapacities('app-d', ['MAATSCHAPPELIJK_WELZIJN', 'SCHULDBEMIDDELING']);
      await applications().setAcceptedCapacities('app-d', ['SCHULDBEMIDDELING']);
      expect(await applications().acceptedCapacities('app-d')).toEqual(['SCHULDBEMIDDELING']);
    });
  });

  describe('roles and profiles', () => {
    it('returns the roles valid for person, entity and application on the day', async () => {
      const roles = createRoleQueries(db());
      await roles.upsertRole({ clientId: 'app-a', code: 'SOCIAL_AGENT', labels: { nl: 'Sociale Agent', fr: 'Agent social', de: 'Sozialarbeiter', en: 'Social agent' } });
      await roles.upsertRole({ clientId: 'app-a', code: 'APP_ADMIN', labels: { nl: 'Beheer', fr: 'Gestion', de: 'Verwaltung', en: 'Administration' } });
      const p = await person();
      const [e1, e2] = [await entity(), await entity()];
      await roles.assign({ personId: p.id, entityId: e1.id, clientId: 'app-a', roleCode: 'SOCIAL_AGENT', validFrom: '2024-01-01' });
      await roles.assign({ personId: p.id, entityId: e1.id, clientId: 'app-a', roleCode: 'APP_ADMIN', validFrom: '2024-01-01', validUntil: '2024-06-30' });
      const revoked = await roles.assign({ personId: p.id, entityId: e2.id, clientId: 'app-a', roleCode: 'APP_ADMIN', validFrom: '2024-01-01' });
      await roles.revokeAssignment(revoked.id);

      expect((await roles.rolesFor(p.id, e1.id, 'app-a', '2024-06-30')).map((r) => r.code)).toEqual(['APP_ADMIN', 'SOCIAL_AGENT']);
      expect((await roles.rolesFor(p.id, e1.id, 'app-a', '2024-07-01')).map((r) => r.code)).toEqual(['SOCIAL_AGENT']);
      expect(await roles.rolesFor(p.id, e2.id, 'app-a', '2024-07-01')).toEqual([]);
      expect(await roles.listAssignmentsForPerson(p.id)).toHaveLength(3);
    });

    it('refuses to assign a role the application does not define', async () => {
      const p = await person();
      const e = await entity();
      await expect(
        createRoleQueries(db()).assign({ personId: p.id, entityId: e.id, clientId: 'app-a', roleCode: 'NO_SUCH_ROLE', validFrom: '2024-01-01' }),
      ).rejects.toThrow(/role_assignments_role_fkey/);
    });

    it('assigns profiles per entity, idempotently', async () => {
      const profiles = createProfileQueries(db());
      const { profile, created } = await profiles.upsertProfile({ clientId: 'app-a', code: 'INTAKE', labels: { nl: 'Onthaal', fr: 'Accueil', de: 'Empfang', en: 'Intake' } });
      expect(created).toBe(true);
      expect((await profiles.upsertProfile({ clientId: 'app-a', code: 'INTAKE', labels: { nl: 'Onthaal', fr: 'Accueil', de: 'Empfang', en: 'Front desk' } })).profile.id).toBe(profile.id);
      const p = await person();
      const e = await entity();
      expect(await profiles.assign(p.id, e.id, profile.id)).toBe(true);
      expect(await profiles.assign(p.id, e.id, profile.id)).toBe(false);
      expect((await profiles.profilesFor(p.id, e.id, 'app-a')).map((x) => [x.code, x.labels.en])).toEqual([['INTAKE', 'Front desk']]);
      expect(await profiles.unassign(p.id, e.id, profile.id)).toBe(true);
      expect(await profiles.profilesFor(p.id, e.id, 'app-a')).toEqual([]);
    });
  });
});

await describeOnEachBackend('audit', (_backend, db) => {
  it('records an event and lists it newest first', async () => {
    await recordAudit(db(), { type: 'login.eid', outcome: 'success', subject: 'person-1', clientId: 'primaweb', ip: '192.0.2.1', details: { acr: 'eid' } });
    await recordAudit(db(), { type: 'login.eid', outcome: 'failure', subject: 'person-1', details: { reason: 'revoked certificate' } });
    const events = await listAuditEvents(db(), { subject: 'person-1' });
    expect(events.map((e) => e.outcome)).toEqual(['failure', 'success']);
    expect(events[1]).toMatchObject({ type: 'login.eid', clientId: 'primaweb', ip: '192.0.2.1', details: { acr: 'eid' } });
    expect(typeof events[0]!.id).toBe('number');
  });

  it('never stores a national register number, even one passed by mistake', async () => {
    await recordAudit(db(), { type: 'login.unknown_person', outcome: 'failure', subject: '93051822361', details: { certificate: 'serialNumber=93051822361' } });
    const [event] = await listAuditEvents(db(), { type: 'login.unknown_person' });
    expect(event).toMatchObject({ subject: '93.05.18-***.**', details: { certificate: 'serialNumber=93.05.18-***.**' } });
    const { rows } = await db().query('SELECT * FROM audit_events');
    expect(JSON.stringify(rows)).not.toContain('93051822361');
  });

  it('refuses an outcome outside success, failure and error', async () => {
    await expect(recordAudit(db(), { type: 'x', outcome: 'maybe' as never })).rejects.toThrow(/audit_events_outcome_check/);
  });
});
