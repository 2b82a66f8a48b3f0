// `capacity-idp directory ...` as an access manager runs it, in a child process against the same
// PostgreSQL and Redis a running instance uses: each subcommand's normal use, its refusals of
// bad arguments (exit 2, before touching the database) and of unknown people, entities,
// applications, profiles and roles (exit 1), the audit trail it leaves, and national register
// numbers that go in but never come out in clear.
import http from 'node:http';
import { jest } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { generateMasterKey } from '../../../src/crypto/secrets.ts';
import { listAuditEvents } from '../../../src/directory/audit.ts';
import { createApplicationQueries } from '../../../src/directory/applications.ts';
import { createEntityQueries } from '../../../src/directory/entities.ts';
import { nationalNumberCheckDigits } from '../../../src/directory/identifiers.ts';
import { createMandateQueries, type Mandate } from '../../../src/directory/mandates.ts';
import { createProfileQueries } from '../../../src/directory/profiles.ts';
import { createRoleQueries } from '../../../src/directory/roles.ts';
import { DEMO_PERSONS } from '../../../src/directory/seed.ts';
import { createSelectionQueries } from '../../../src/directory/selections.ts';
import { finishInteraction, startAuthorization } from '../../support/login.ts';
import { runCli, type CliResult } from '../../support/ops.ts';
import { Browser, discoverClient, fetchTrusted, startTestServer, type TestServer } from '../../support/server.ts';
import { createTestDatabase, deleteRedisKeys, describeWith, REDIS_URL, uniqueName } from '../../support/services.ts';

const describeShared = await describeWith('postgres', 'redis');
// Every CLI call is a fresh Node process (about a second each); a test makes up to eight.
jest.setTimeout(90_000);

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;
const HERSTAPPE = '0999999922';
const HERSTAPPE_PRINTED = '0999.999.922';
const PRIMAWEB_CALLBACK = 'https://localhost:3000/callback';
const ELISE = DEMO_PERSONS.find((p) => p.key === 'elise')!;
const NOEMIE = DEMO_PERSONS.find((p) => p.key === 'noemie')!;
/** Valid check digits, but nobody in the directory has this number. */
const NOBODY = `850312047${nationalNumberCheckDigits('850312047', false)}`;
const CLEAR_NUMBERS = [ELISE.nationalNumber, NOEMIE.nationalNumber, NOBODY];
const dotted = (n: string) => `${n.slice(0, 2)}.${n.slice(2, 4)}.${n.slice(4, 6)}-${n.slice(6, 9)}.${n.slice(9)}`;

describeShared('capacity-idp directory (PostgreSQL and Redis, beside a running instance)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const redisKeyPrefix = `${uniqueName('cidp-directory-cli')}:`;
  let server: TestServer;
  let env: Record<string, string>;
  let elise: string;
  let noemie: string;
  let herstappe: string;
  const outputs: CliResult[] = [];
  const logoutTokens: { path: string; token: string }[] = [];
  let receiver: http.Server;

  /** Runs the CLI with the instance's storage and issuer; every output is kept for the final check. */
  async function cli(...args: string[]): Promise<CliResult> {
    const result = await runCli(['directory', ...args], env, 30_000);
    outputs.push(result);
    return result;
  }

  const json = <T,>(result: CliResult): T => JSON.parse(result.stdout) as T;

  function expectUsageError(result: CliResult, message: RegExp) {
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).toBe('');
  }

  function expectRefusal(result: CliResult, message: RegExp) {
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_LINE);
  }

  async function registerClient(clientId: string, backchannel: boolean): Promise<client.Configuration> {
    const clientSecret = `${clientId}-secret-for-tests-only`;
    const applications = createApplicationQueries(server.runtime.db, server.runtime.secrets);
    const port = (receiver.address() as AddressInfo).port;
    await applications.upsertApplication({
      clientId,
      name: clientId,
      clientSecret,
      metadata: {
        redirect_uris: [`https://${clientId}.example.test/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        ...(backchannel ? { backchannel_logout_uri: `http://127.0.0.1:${port}/${clientId}/logout`, backchannel_logout_session_required: true } : {}),
      },
    });
    await applications.setAcceptedCapacities(clientId, ['MAATSCHAPPELIJK_WELZIJN']);
    return discoverClient(server.issuer, clientId, { clientSecret });
  }

  /** A login through the harness that also records the entity/role choice, as the selection step does. */
  async function signIn(
    rp: client.Configuration,
    personId: string,
    mandate: Mandate,
    roleCode: string | null,
    redirectUri = `https://${rp.clientMetadata().client_id}.example.test/callback`,
    scope = 'openid profile offline_access',
  ) {
    const clientId = rp.clientMetadata().client_id;
    const browser = await Browser.create();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: redirectUri,
      scope,
      prompt: 'consent',
      state: 'cli',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const { uid } = await startAuthorization(browser, url, redirectUri);
    const returnTo = await finishInteraction(server.host, uid!, { accountId: personId });
    const interaction = (await server.host.current.Interaction.find(uid!))!;
    interaction.result = { ...interaction.result, select_mandate: { mandateId: mandate.id, roleCode } };
    await interaction.persist();
    const { stoppedAt } = await browser.follow(returnTo, (next) => next.href.startsWith(redirectUri));
    const tokens = await client.authorizationCodeGrant(rp, stoppedAt!, { pkceCodeVerifier: verifier, expectedState: 'cli' });
    const refreshToken = (await server.host.current.RefreshToken.find(tokens.refresh_token!))!;
    await createSelectionQueries(server.runtime.db).save({
      grantId: refreshToken.grantId!,
      personId,
      clientId,
      mandateId: mandate.id,
      roleCode,
      sessionUid: refreshToken.sessionUid ?? null,
      sid: refreshToken.sid ?? null,
      expiresAt: new Date(Date.now() + 3600_000),
    });
    return { tokens, sid: tokens.claims()!.sid as string };
  }

  beforeAll(async () => {
    database = await createTestDatabase('cidp_directory_cli');
    const shared = { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: redisKeyPrefix, MASTER_KEY: generateMasterKey() };
    server = await startTestServer({ ...shared, IN_MEMORY: 'false' });
    env = { ...shared, ISSUER: server.issuer, LOG_LEVEL: 'warn' };
    elise = server.seeded!.persons.find((p) => p.key === 'elise')!.id;
    noemie = server.seeded!.persons.find((p) => p.key === 'noemie')!.id;
    herstappe = (await createEntityQueries(server.runtime.db).findByEnterpriseNumber(HERSTAPPE))!.id;
    receiver = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        logoutTokens.push({ path: req.url ?? '', token: new URLSearchParams(body).get('logout_token') ?? '' });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await server?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    await database?.drop();
    await deleteRedisKeys(redisKeyPrefix);
  });

  describe('persons find', () => {
    it('finds a person by national number (any printed form) and shows the opaque id, the names and the number masked', async () => {
      const result = await cli('persons', 'find', '--nrn', dotted(ELISE.nationalNumber));
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${elise}  Élise Dubois-Janssens  (85.03.12-***.**, fr)\n`);

      const machine = json<{ person: Record<string, string> }>(await cli('persons', 'find', `--nrn=${ELISE.nationalNumber}`, '--json'));
      expect(machine.person).toEqual({ id: elise, givenName: 'Élise', familyName: 'Dubois-Janssens', preferredLocale: 'fr', nationalNumberMasked: '85.03.12-***.**' });
    });

    it('says so when nobody has the number, without repeating it', async () => {
      expectRefusal(await cli('persons', 'find', '--nrn', NOBODY), /^capacity-idp: no person with national number 85\.03\.12-\*\*\*\.\*\*$/m);
    });

    it('refuses a malformed number (exit 2), a missing one and stray words, masking what was typed', async () => {
      expectUsageError(await cli('persons', 'find', '--nrn', `${ELISE.nationalNumber.slice(0, 10)}9`), /--nrn is not a valid national register or BIS number \(85\.03\.12-\*\*\*\.\*\*\)/);
      expectUsageError(await cli('persons', 'find'), /--nrn is required/);
      expectUsageError(await cli('persons', 'find', '--nrn'), /--nrn needs a value/);
      expectUsageError(await cli('persons', 'find', '--nrn', NOBODY, 'extra'), /unexpected argument "extra"/);
      expectUsageError(await cli('persons', 'find', '--person', elise), /unknown option --person/);
    });

    it('masks a number typed where something else was expected', async () => {
      expectUsageError(await cli('persons', 'find', ELISE.nationalNumber), /unexpected argument "85\.03\.12-\*\*\*\.\*\*"/);
      expectRefusal(await cli('mandates', 'list', '--person', dotted(ELISE.nationalNumber)), /no person with id 85\.03\.12-\*\*\*\.\*\*$/m);
      expectUsageError(await cli('profiles', 'assign', '--person', elise, '--entity', NOEMIE.nationalNumber, '--client', 'primaweb', '--profile', 'DOSSIERS'), /--entity is not a valid enterprise number: "02\.11\.05-\*\*\*\.\*\*"/);
    });
  });

  describe('profiles', () => {
    it('defines PrimaWeb profiles with labels in four languages, lists them, and replaces labels on a second create', async () => {
      const created = await cli('profiles', 'create', '--client', 'primaweb', '--code', 'DOSSIERS',
        '--label-nl', 'Dossierbeheer', '--label-fr', 'Gestion des dossiers', '--label-de', 'Aktenverwaltung', '--label-en', 'Case files');
      expect(created.code).toBe(0);
      expect(created.stdout).toBe('created profile DOSSIERS of primaweb\n');
      expect((await cli('profiles', 'create', '--client', 'primaweb', '--code', 'FORMULIER_B',
        '--label-nl', 'Terugbetalingen (formulier B)', '--label-fr', 'Remboursements (formulaire B)',
        '--label-de', 'Erstattungen (Formular B)', '--label-en', 'Refunds (form B)')).code).toBe(0);
      const relabelled = await cli('profiles', 'create', '--client', 'primaweb', '--code', 'DOSSIERS',
        '--label-nl', 'Dossierbeheer', '--label-fr', 'Gestion de dossiers', '--label-de', 'Aktenverwaltung', '--label-en', 'Case files');
      expect(relabelled.stdout).toBe('updated the labels of profile DOSSIERS of primaweb\n');

      const listed = await cli('profiles', 'list', '--client', 'primaweb');
      expect(listed.code).toBe(0);
      expect(listed.stdout.trim().split('\n')).toEqual([
        expect.stringMatching(/^DOSSIERS\s+Dossierbeheer \| Gestion de dossiers \| Aktenverwaltung \| Case files$/),
        expect.stringMatching(/^FORMULIER_B\s+Terugbetalingen \(formulier B\) \| Remboursements \(formulaire B\) \| Erstattungen \(Formular B\) \| Refunds \(form B\)$/),
      ]);
      expect(json<{ profiles: { code: string }[] }>(await cli('profiles', 'list', '--client', 'primaweb', '--json')).profiles.map((p) => p.code)).toEqual(['DOSSIERS', 'FORMULIER_B']);

      const audit = await listAuditEvents(server.runtime.db, { clientId: 'primaweb' });
      expect(audit.filter((e) => e.type.startsWith('directory.profile.')).map((e) => [e.type, e.actor, e.details.code])).toEqual([
        ['directory.profile.updated', 'cli', 'DOSSIERS'],
        ['directory.profile.created', 'cli', 'FORMULIER_B'],
        ['directory.profile.created', 'cli', 'DOSSIERS'],
      ]);
    });

    it('refuses a malformed code, a missing or overlong label (exit 2) and an unknown application (exit 1)', async () => {
      const labels = ['--label-nl', 'a', '--label-fr', 'b', '--label-de', 'c', '--label-en', 'd'];
      expectUsageError(await cli('profiles', 'create', '--client', 'primaweb', '--code', 'dossiers', ...labels), /--code must be an upper-case code/);
      expectUsageError(await cli('profiles', 'create', '--client', 'primaweb', '--code', 'X', ...labels.slice(0, 6)), /--label-en is required/);
      expectUsageError(await cli('profiles', 'create', '--client', 'primaweb', '--code', 'X', ...labels.slice(0, 7), 'x'.repeat(201)), /--label-en is longer than 200 characters/);
      expectUsageError(await cli('profiles', 'create', '--client', 'primaweb', '--code', 'X', '--code', 'Y', ...labels), /--code is given twice/);
      expectRefusal(await cli('profiles', 'create', '--client', 'nonesuch', '--code', 'X', ...labels), /no application with client id "nonesuch"/);
      expectRefusal(await cli('profiles', 'list', '--client', 'nonesuch'), /no application with client id "nonesuch"/);
    });

    it('assigns a profile to a person for an entity; it shows in the directory and in the person\'s list, and unassigns it', async () => {
      const assigned = await cli('profiles', 'assign', '--nrn', ELISE.nationalNumber, '--entity', HERSTAPPE_PRINTED, '--client', 'primaweb', '--profile', 'DOSSIERS');
      expect(assigned.code).toBe(0);
      expect(assigned.stdout).toBe(`assigned profile DOSSIERS to Élise Dubois-Janssens (${elise}) at ${HERSTAPPE_PRINTED} OCMW van Herstappe; it shows at the next token refresh\n`);
      expect((await createProfileQueries(server.runtime.db).profilesFor(elise, herstappe, 'primaweb')).map((p) => p.code)).toEqual(['DOSSIERS']);

      const again = await cli('profiles', 'assign', '--person', elise, '--entity', HERSTAPPE, '--client', 'primaweb', '--profile', 'DOSSIERS');
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`Élise Dubois-Janssens (${elise}) already has profile DOSSIERS`);
      expect((await cli('profiles', 'assign', '--person', elise, '--entity', HERSTAPPE, '--client', 'primaweb', '--profile', 'FORMULIER_B')).code).toBe(0);

      const mine = await cli('profiles', 'list', '--client', 'primaweb', '--person', elise, '--entity', HERSTAPPE, '--json');
      expect(json<{ profiles: { code: string }[] }>(mine).profiles.map((p) => p.code)).toEqual(['DOSSIERS', 'FORMULIER_B']);

      const removed = await cli('profiles', 'unassign', '--person', elise, '--entity', HERSTAPPE, '--client', 'primaweb', '--profile', 'FORMULIER_B');
      expect(removed.stdout).toContain('removed profile FORMULIER_B');
      expect((await createProfileQueries(server.runtime.db).profilesFor(elise, herstappe, 'primaweb')).map((p) => p.code)).toEqual(['DOSSIERS']);
      const notThere = await cli('profiles', 'unassign', '--person', elise, '--entity', HERSTAPPE, '--client', 'primaweb', '--profile', 'FORMULIER_B');
      expect(notThere.stdout).toContain('does not have profile FORMULIER_B');

      const audit = await listAuditEvents(server.runtime.db, { subject: elise });
      expect(audit.filter((e) => e.type.startsWith('directory.profile.')).map((e) => [e.type, e.actor, e.details.profile, e.details.entityId])).toEqual([
        ['directory.profile.unassigned', 'cli', 'FORMULIER_B', herstappe],
        ['directory.profile.assigned', 'cli', 'FORMULIER_B', herstappe],
        ['directory.profile.assigned', 'cli', 'DOSSIERS', herstappe],
      ]);
    });

    it('ends no session: a profile assigned during a session shows at the next refresh and in userinfo', async () => {
      const primaweb = await discoverClient(server.issuer, 'primaweb', { clientSecret: server.seeded!.newClientSecrets.primaweb! });
      const moulinsart = (await createMandateQueries(server.runtime.db).validForPerson(elise)).find((m) => m.entityId !== herstappe)!;
      const { tokens } = await signIn(primaweb, elise, moulinsart, 'SOCIAL_AGENT', PRIMAWEB_CALLBACK, 'openid profile roles offline_access');
      expect(tokens.claims()).toMatchObject({ role: 'SOCIAL_AGENT', profiles: [] });
      logoutTokens.length = 0;

      expect((await cli('profiles', 'assign', '--person', elise, '--entity', '0999999823', '--client', 'primaweb', '--profile', 'FORMULIER_B')).code).toBe(0);

      const refreshed = await client.refreshTokenGrant(primaweb, tokens.refresh_token!);
      expect(refreshed.claims()).toMatchObject({ sub: elise, role: 'SOCIAL_AGENT', profiles: ['FORMULIER_B'] });
      expect(await client.fetchUserInfo(primaweb, refreshed.access_token, elise)).toMatchObject({ profiles: ['FORMULIER_B'] });
      expect(logoutTokens).toEqual([]);
    });

    it('refuses an unknown person, entity or profile (exit 1) and ambiguous or malformed references (exit 2)', async () => {
      const rest = ['--client', 'primaweb', '--profile', 'DOSSIERS'];
      expectRefusal(await cli('profiles', 'assign', '--nrn', NOBODY, '--entity', HERSTAPPE, ...rest), /no person with national number 85\.03\.12-\*\*\*\.\*\*/);
      expectRefusal(await cli('profiles', 'assign', '--person', 'nobody-at-all', '--entity', HERSTAPPE, ...rest), /no person with id nobody-at-all/);
      expectRefusal(await cli('profiles', 'assign', '--person', elise, '--entity', '0999999031', ...rest), /no entity with enterprise number 0999\.999\.031/);
      expectRefusal(await cli('profiles', 'assign', '--person', elise, '--entity', HERSTAPPE, '--client', 'primaweb', '--profile', 'NONESUCH'), /application "primaweb" defines no profile NONESUCH/);
      expectUsageError(await cli('profiles', 'assign', '--person', elise, '--entity', '0999999923', ...rest), /--entity is not a valid enterprise number: "0999999923"/);
      expectUsageError(await cli('profiles', 'assign', '--person', elise, '--nrn', ELISE.nationalNumber, '--entity', HERSTAPPE, ...rest), /give either --person or --nrn, not both/);
      expectUsageError(await cli('profiles', 'assign', '--entity', HERSTAPPE, ...rest), /--person <id> or --nrn <number> is required/);
      expectUsageError(await cli('profiles', 'list', '--client', 'primaweb', '--person', elise), /both --person \(or --nrn\) and --entity/);
    });
  });

  describe('mandates', () => {
    it('lists a person\'s mandates with their ids, entities, capacities, periods and state', async () => {
      const listed = await cli('mandates', 'list', '--nrn', ELISE.nationalNumber);
      expect(listed.code).toBe(0);
      const ids = (await createMandateQueries(server.runtime.db).listForPerson(elise)).map((m) => m.id);
      const lines = listed.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      for (const id of ids) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${id}  valid {4}0999\\.999\\.(922|823) OCMW van (Herstappe|Moulinsart)  MAATSCHAPPELIJK_WELZIJN  2024-01-01\\.\\.$`)));

      const machine = json<{ person: { id: string }; mandates: { id: string; state: string; entity: { enterpriseNumber: string } }[] }>(
        await cli('mandates', 'list', '--person', elise, '--json'),
      );
      expect(machine.person.id).toBe(elise);
      expect(machine.mandates.map((m) => m.entity.enterpriseNumber).sort()).toEqual(['0999999823', HERSTAPPE]);
      const lukasz = await cli('mandates', 'list', '--nrn', DEMO_PERSONS.find((p) => p.key === 'lukasz')!.nationalNumber);
      expect(lukasz.stdout).toBe('Łukasz Wiśniewski-Müller holds no mandate\n');
    });

    it('revokes a mandate: the sessions that chose it end and the relying party gets a logout token from the instance\'s issuer', async () => {
      const rp = await registerClient('casework', true);
      const mandate = (await createMandateQueries(server.runtime.db).validForPerson(noemie)).find((m) => m.entityId === herstappe)!;
      const { tokens, sid } = await signIn(rp, noemie, mandate, null);
      logoutTokens.length = 0;

      const result = await cli('mandates', 'revoke', '--mandate', mandate.id);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`revoked mandate ${mandate.id}\nended 1 dependent session(s)\n  back-channel logout to casework: delivered\n`);

      expect((await createMandateQueries(server.runtime.db).findById(mandate.id))!.revokedAt).not.toBeNull();
      await expect(client.refreshTokenGrant(rp, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      expect(logoutTokens.map((t) => t.path)).toEqual(['/casework/logout']);
      const keys = createLocalJWKSet((await (await fetchTrusted(`${server.url}/jwks`)).json()) as JSONWebKeySet);
      const { payload } = await jwtVerify(logoutTokens[0]!.token, keys, { issuer: server.issuer, audience: 'casework' });
      expect(payload).toMatchObject({ sub: noemie, sid });

      const again = await cli('mandates', 'revoke', '--mandate', mandate.id, '--json');
      expect(json(again)).toEqual({ mandate: mandate.id, revoked: false, endedSessions: [] });

      const audit = await listAuditEvents(server.runtime.db, { subject: noemie });
      expect(audit.find((e) => e.type === 'directory.mandate.revoked')).toMatchObject({ actor: 'cli', details: { mandateId: mandate.id } });
      expect(audit.find((e) => e.type === 'session.ended')).toMatchObject({ actor: 'cli', details: { reason: 'mandate_revoked' } });
    });

    it('refuses an unknown mandate (exit 1) and a missing id (exit 2)', async () => {
      expectRefusal(await cli('mandates', 'revoke', '--mandate', 'no-such-mandate'), /no mandate with id no-such-mandate/);
      expectUsageError(await cli('mandates', 'revoke'), /--mandate is required/);
      expectUsageError(await cli('mandates', 'list'), /--person <id> or --nrn <number> is required/);
    });
  });

  describe('roles', () => {
    it('assigns a role for a period and revokes it, ending the sessions that chose it', async () => {
      const assigned = await cli('roles', 'assign', '--nrn', ELISE.nationalNumber, '--entity', HERSTAPPE, '--client', 'primaweb', '--role', 'SOCIAL_AGENT', '--from', '2024-01-01', '--until', '2099-12-31');
      expect(assigned.code).toBe(0);
      expect(assigned.stdout).toBe(`assigned role SOCIAL_AGENT of primaweb to Élise Dubois-Janssens (${elise}) at ${HERSTAPPE_PRINTED} OCMW van Herstappe from 2024-01-01 until 2099-12-31\n`);
      expect((await createRoleQueries(server.runtime.db).listAssignmentsForPerson(elise)).filter((a) => a.roleCode === 'SOCIAL_AGENT' && a.entityId === herstappe)).toHaveLength(2);

      const primaweb = await discoverClient(server.issuer, 'primaweb', { clientSecret: server.seeded!.newClientSecrets.primaweb! });
      const mandate = (await createMandateQueries(server.runtime.db).validForPerson(elise)).find((m) => m.entityId === herstappe)!;
      // primaweb has no back-channel endpoint: only its tokens and the provider session end.
      const { tokens } = await signIn(primaweb, elise, mandate, 'SOCIAL_AGENT', PRIMAWEB_CALLBACK);
      const unaffected = await signIn(primaweb, elise, mandate, 'PRIMAWEB_ADMIN', PRIMAWEB_CALLBACK);

      const revoked = await cli('roles', 'revoke', '--person', elise, '--entity', HERSTAPPE, '--client', 'primaweb', '--role', 'SOCIAL_AGENT');
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toBe(`revoked role SOCIAL_AGENT of primaweb for Élise Dubois-Janssens (${elise}) at ${HERSTAPPE_PRINTED} OCMW van Herstappe\nended 1 dependent session(s)\n`);
      await expect(client.refreshTokenGrant(primaweb, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(client.refreshTokenGrant(primaweb, unaffected.tokens.refresh_token!)).resolves.toMatchObject({ access_token: expect.any(String) });

      const audit = await listAuditEvents(server.runtime.db, { subject: elise, type: 'directory.role.revoked' });
      expect(audit).toHaveLength(2);
      expect(audit.every((e) => e.actor === 'cli' && e.details.role === 'SOCIAL_AGENT')).toBe(true);
      expect(await listAuditEvents(server.runtime.db, { subject: elise, type: 'directory.role.assigned' })).toEqual([
        expect.objectContaining({ actor: 'cli', clientId: 'primaweb', details: expect.objectContaining({ role: 'SOCIAL_AGENT', validFrom: '2024-01-01', validUntil: '2099-12-31' }) }),
      ]);

      expectRefusal(
        await cli('roles', 'revoke', '--person', elise, '--entity', HERSTAPPE, '--client', 'primaweb', '--role', 'SOCIAL_AGENT'),
        /holds no role SOCIAL_AGENT of primaweb at 0999\.999\.922 OCMW van Herstappe/,
      );
    });

    it('refuses bad dates and codes (exit 2) and a role the application does not define (exit 1)', async () => {
      const who = ['--person', noemie, '--entity', HERSTAPPE, '--client', 'primaweb'];
      expectUsageError(await cli('roles', 'assign', ...who, '--role', 'SOCIAL_AGENT', '--from', '2024-02-30'), /--from must be a date as YYYY-MM-DD, got "2024-02-30"/);
      expectUsageError(await cli('roles', 'assign', ...who, '--role', 'SOCIAL_AGENT', '--from', '2025-01-01', '--until', '2024-12-31'), /--until \(2024-12-31\) is before the first day \(2025-01-01\)/);
      expectUsageError(await cli('roles', 'assign', ...who, '--role', 'social agent'), /--role must be an upper-case code/);
      expectUsageError(await cli('roles', 'revoke', ...who, '--role', 'SOCIAL_AGENT', '--from', '2024-01-01'), /unknown option --from/);
      expectRefusal(await cli('roles', 'assign', ...who, '--role', 'JANITOR'), /application "primaweb" defines no role JANITOR/);
    });
  });

  describe('the command itself', () => {
    it('shows its usage on --help (exit 0) and refuses unknown or missing subcommands (exit 2)', async () => {
      const help = await cli('--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('usage: capacity-idp directory <subject> <action> [options]');
      expect(help.stdout).toContain('mandates revoke --mandate <id>');
      expectUsageError(await cli('mandates', 'delete'), /directory: unknown command "mandates delete"[\s\S]*persons find --nrn <number>/);
      expectUsageError(await cli(), /directory: a command is required/);
      const top = await runCli(['--help'], env);
      expect(top.stdout).toContain('directory ...');
    });
  });

  it('never printed a national register number in clear, whatever was typed', () => {
    expect(outputs.length).toBeGreaterThan(30);
    for (const { stdout, stderr } of outputs) {
      for (const n of CLEAR_NUMBERS) {
        expect(`${stdout}${stderr}`).not.toContain(n);
        expect(`${stdout}${stderr}`).not.toContain(dotted(n));
      }
    }
  });
});
