// capacity-idp directory ...: what an access manager does until the admin API exists. Find a
// person, define and assign an application's profiles, list and revoke mandates, assign and
// revoke roles. Every change is audited with actor `cli`. Revoking a mandate or a role ends the
// provider sessions that depend on it (see directory/revocation.ts), so this command reaches the
// artifact store the serving instances share.
//
// A national register number may be typed on the command line but is never printed back: output,
// errors and audit name people by their opaque id and show numbers masked.
import { loadConfig } from '../../config/load.ts';
import { recordAudit } from '../../directory/audit.ts';
import { createApplicationQueries } from '../../directory/applications.ts';
import { calendarDay, type Labels } from '../../directory/common.ts';
import { createEntityQueries, entityName, type Entity } from '../../directory/entities.ts';
import { formatEnterpriseNumber, maskNationalNumber, parseEnterpriseNumber, parseNationalNumber } from '../../directory/identifiers.ts';
import { createMandateQueries, type Mandate } from '../../directory/mandates.ts';
import { createPersonQueries, type Person } from '../../directory/persons.ts';
import { createProfileQueries } from '../../directory/profiles.ts';
import { createRoleQueries } from '../../directory/roles.ts';
import { revokeMandate, revokeRoleAssignment, type RevocationResult } from '../../directory/revocation.ts';
import { createLogger } from '../../observability/logger.ts';
import { createMetrics } from '../../observability/metrics.ts';
import { createProviderHost } from '../../server/provider-host.ts';
import { openRuntime, type Runtime } from '../../server/runtime.ts';
import { UsageError } from '../usage.ts';

export const DIRECTORY_USAGE = `usage: capacity-idp directory <subject> <action> [options]

  persons find --nrn <number>
  profiles list --client <id> [--person <id> | --nrn <number>] [--entity <enterprise number>]
  profiles create --client <id> --code <CODE> --label-nl <text> --label-fr <text> --label-de <text> --label-en <text>
  profiles assign|unassign (--person <id> | --nrn <number>) --entity <enterprise number> --client <id> --profile <CODE>
  mandates list (--person <id> | --nrn <number>)
  mandates revoke --mandate <id>
  roles assign (--person <id> | --nrn <number>) --entity <enterprise number> --client <id> --role <CODE>
               [--from YYYY-MM-DD] [--until YYYY-MM-DD]
  roles revoke (--person <id> | --nrn <number>) --entity <enterprise number> --client <id> --role <CODE>

Add --json for machine-readable output. Revoking a mandate or a role ends the sessions that
depend on it and sends back-channel logout; profile changes show at the next token refresh.`;

const ACTOR = 'cli';
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_LABEL = 200;

// Anything shaped like a national number, valid or mistyped, in text that echoes what the
// operator typed: a number given where an id or a code was expected must not come back in clear.
const NUMBER_LIKE = /(?<!\d)\d{2}[.\s]?\d{2}[.\s]?\d{2}[-.\s]?\d{3}[.\s]?\d{2}(?!\d)/g;
const maskNumberLike = (text: string) => text.replace(NUMBER_LIKE, (n) => maskNationalNumber(n));

/** Operator mistakes that are not about the command line: unknown person, client, profile. */
export class DirectoryCommandError extends Error {
  constructor(message: string) {
    super(maskNumberLike(message));
    this.name = 'DirectoryCommandError';
  }
}

type Options = Map<string, string | true>;

function usage(message: string): UsageError {
  return new UsageError(maskNumberLike(`directory: ${message} (see: capacity-idp directory --help)`));
}

/** `--name value`, `--name=value`, and the bare switch `--json`; each option at most once. */
function parseOptions(args: string[], allowed: readonly string[]): Options {
  const options: Options = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw usage(`unexpected argument "${arg.length > 40 ? `${arg.slice(0, 40)}…` : arg}"`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (name === 'json') {
      if (eq !== -1) throw usage('--json takes no value');
      options.set('json', true);
      continue;
    }
    if (!allowed.includes(name)) throw usage(`unknown option --${name}`);
    if (options.has(name)) throw usage(`--${name} is given twice`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw usage(`--${name} needs a value`);
      i++;
    }
    if (value.trim() === '') throw usage(`--${name} needs a value`);
    options.set(name, value);
  }
  return options;
}

function text(options: Options, name: string): string | undefined {
  const value = options.get(name);
  return typeof value === 'string' ? value : undefined;
}

function required(options: Options, name: string): string {
  const value = text(options, name);
  if (value === undefined) throw usage(`--${name} is required`);
  return value;
}

function codeOption(options: Options, name: string): string {
  const value = required(options, name);
  if (!CODE.test(value)) throw usage(`--${name} must be an upper-case code (A-Z, 0-9, _; starting with a letter), got "${value.slice(0, 70)}"`);
  return value;
}

function dayOption(options: Options, name: string): string | undefined {
  const value = text(options, name);
  if (value === undefined) return undefined;
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
  if (!valid) throw usage(`--${name} must be a date as YYYY-MM-DD, got "${value.slice(0, 40)}"`);
  return value;
}

function nationalNumberOption(options: Options): string {
  const raw = required(options, 'nrn');
  const parsed = parseNationalNumber(raw);
  if (!parsed) throw usage(`--nrn is not a valid national register or BIS number (${maskNationalNumber(raw)})`);
  return parsed.number;
}

function enterpriseNumberOption(options: Options): string {
  const raw = required(options, 'entity');
  const parsed = parseEnterpriseNumber(raw);
  if (!parsed) throw usage(`--entity is not a valid enterprise number: "${raw.slice(0, 40)}"`);
  return parsed;
}

/** Exactly one of --person and --nrn. */
function personReference(options: Options): { id: string } | { nrn: string } {
  const id = text(options, 'person');
  const hasNrn = options.has('nrn');
  if (id !== undefined && hasNrn) throw usage('give either --person or --nrn, not both');
  if (id !== undefined) return { id };
  if (hasNrn) return { nrn: nationalNumberOption(options) };
  throw usage('--person <id> or --nrn <number> is required');
}

interface Context {
  runtime: Runtime;
  print(human: string, machine: unknown): void;
}

/** What a command does once its arguments are known to be well-formed. */
type Action = (ctx: Context) => Promise<number>;

async function findPerson(ctx: Context, reference: { id: string } | { nrn: string }): Promise<Person> {
  const persons = createPersonQueries(ctx.runtime.db, ctx.runtime.secrets);
  if ('id' in reference) {
    const person = await persons.findById(reference.id);
    if (!person) throw new DirectoryCommandError(`no person with id ${reference.id}`);
    return person;
  }
  const person = await persons.findByNationalNumber(reference.nrn);
  if (!person) throw new DirectoryCommandError(`no person with national number ${maskNationalNumber(reference.nrn)}`);
  return person;
}

async function findEntity(ctx: Context, enterpriseNumber: string): Promise<Entity> {
  const entity = await createEntityQueries(ctx.runtime.db).findByEnterpriseNumber(enterpriseNumber);
  if (!entity) throw new DirectoryCommandError(`no entity with enterprise number ${formatEnterpriseNumber(enterpriseNumber)}`);
  return entity;
}

async function requireApplication(ctx: Context, clientId: string): Promise<void> {
  const application = await createApplicationQueries(ctx.runtime.db, ctx.runtime.secrets).findByClientId(clientId);
  if (!application) throw new DirectoryCommandError(`no application with client id "${clientId.slice(0, 100)}"`);
}

async function findProfile(ctx: Context, clientId: string, code: string) {
  const profile = (await createProfileQueries(ctx.runtime.db).listForApplication(clientId)).find((p) => p.code === code);
  if (!profile) throw new DirectoryCommandError(`application "${clientId}" defines no profile ${code} (see: directory profiles list --client ${clientId})`);
  return profile;
}

const personJson = (p: Person) => ({ id: p.id, givenName: p.givenName, familyName: p.familyName, preferredLocale: p.preferredLocale });
const entityJson = (e: Entity) => ({ id: e.id, enterpriseNumber: e.enterpriseNumber, type: e.type, name: entityName(e, 'nl') });
const entityLine = (e: Entity) => `${formatEnterpriseNumber(e.enterpriseNumber)} ${entityName(e, 'nl')}`;

// --- persons ---------------------------------------------------------------------------------

function personsFind(options: Options): Action {
  const nrn = nationalNumberOption(options);
  return async (ctx) => {
    const person = await findPerson(ctx, { nrn });
    ctx.print(
      `${person.id}  ${person.givenName} ${person.familyName}  (${maskNationalNumber(nrn)}, ${person.preferredLocale})`,
      { person: { ...personJson(person), nationalNumberMasked: maskNationalNumber(nrn) } },
    );
    return 0;
  };
}

// --- profiles --------------------------------------------------------------------------------

function profilesList(options: Options): Action {
  const clientId = required(options, 'client');
  const forPerson = options.has('person') || options.has('nrn');
  if (forPerson !== options.has('entity')) throw usage('list a person\'s profiles with both --person (or --nrn) and --entity');
  const reference = forPerson ? personReference(options) : undefined;
  const entityNumber = forPerson ? enterpriseNumberOption(options) : undefined;
  return async (ctx) => {
    await requireApplication(ctx, clientId);
    const profiles = createProfileQueries(ctx.runtime.db);
    let list;
    let scope = `application ${clientId}`;
    if (reference && entityNumber) {
      const person = await findPerson(ctx, reference);
      const entity = await findEntity(ctx, entityNumber);
      list = await profiles.profilesFor(person.id, entity.id, clientId);
      scope = `${person.givenName} ${person.familyName} at ${entityLine(entity)} in ${clientId}`;
    } else {
      list = await profiles.listForApplication(clientId);
    }
    const lines = list.map((p) => `${p.code.padEnd(24)} ${p.labels.nl} | ${p.labels.fr} | ${p.labels.de} | ${p.labels.en}`);
    ctx.print(lines.length ? lines.join('\n') : `no profiles for ${scope}`, { profiles: list.map((p) => ({ code: p.code, labels: p.labels })) });
    return 0;
  };
}

function labelOption(options: Options, locale: keyof Labels): string {
  const value = required(options, `label-${locale}`).trim();
  if (value.length > MAX_LABEL) throw usage(`--label-${locale} is longer than ${MAX_LABEL} characters`);
  return value;
}

function profilesCreate(options: Options): Action {
  const clientId = required(options, 'client');
  const code = codeOption(options, 'code');
  const labels: Labels = { nl: labelOption(options, 'nl'), fr: labelOption(options, 'fr'), de: labelOption(options, 'de'), en: labelOption(options, 'en') };
  return async (ctx) => {
    await requireApplication(ctx, clientId);
    const { profile, created } = await createProfileQueries(ctx.runtime.db).upsertProfile({ clientId, code, labels });
    await recordAudit(ctx.runtime.db, {
      type: created ? 'directory.profile.created' : 'directory.profile.updated',
      outcome: 'success',
      actor: ACTOR,
      clientId,
      details: { profileId: profile.id, code, labels },
    });
    ctx.print(`${created ? 'created' : 'updated the labels of'} profile ${code} of ${clientId}`, { created, profile: { code: profile.code, labels: profile.labels } });
    return 0;
  };
}

function profilesAssignment(options: Options, assign: boolean): Action {
  const reference = personReference(options);
  const entityNumber = enterpriseNumberOption(options);
  const clientId = required(options, 'client');
  const code = codeOption(options, 'profile');
  return async (ctx) => {
    await requireApplication(ctx, clientId);
    const person = await findPerson(ctx, reference);
    const entity = await findEntity(ctx, entityNumber);
    const profile = await findProfile(ctx, clientId, code);
    const profiles = createProfileQueries(ctx.runtime.db);
    const changed = assign ? await profiles.assign(person.id, entity.id, profile.id) : await profiles.unassign(person.id, entity.id, profile.id);
    if (changed) {
      await recordAudit(ctx.runtime.db, {
        type: assign ? 'directory.profile.assigned' : 'directory.profile.unassigned',
        outcome: 'success',
        actor: ACTOR,
        subject: person.id,
        clientId,
        details: { profileId: profile.id, profile: code, entityId: entity.id },
      });
    }
    const who = `${person.givenName} ${person.familyName} (${person.id})`;
    const human = assign
      ? changed ? `assigned profile ${code} to ${who} at ${entityLine(entity)}` : `${who} already has profile ${code} at ${entityLine(entity)}`
      : changed ? `removed profile ${code} from ${who} at ${entityLine(entity)}` : `${who} does not have profile ${code} at ${entityLine(entity)}`;
    ctx.print(`${human}${changed ? '; it shows at the next token refresh' : ''}`, { changed, person: person.id, entity: entityJson(entity), profile: code });
    return 0;
  };
}

// --- mandates --------------------------------------------------------------------------------

function state(row: Pick<Mandate, 'revokedAt' | 'validFrom' | 'validUntil'>, today: string): 'revoked' | 'valid' | 'future' | 'expired' {
  if (row.revokedAt) return 'revoked';
  if (row.validFrom > today) return 'future';
  if (row.validUntil !== null && row.validUntil < today) return 'expired';
  return 'valid';
}

function mandatesList(options: Options): Action {
  const reference = personReference(options);
  return async (ctx) => {
    const person = await findPerson(ctx, reference);
    const mandates = await createMandateQueries(ctx.runtime.db).listForPerson(person.id);
    const entities = createEntityQueries(ctx.runtime.db);
    const today = calendarDay();
    const rows = [];
    for (const m of mandates) {
      const entity = await entities.findById(m.entityId);
      rows.push({ mandate: m, entity, state: state(m, today) });
    }
    const lines = rows.map(
      ({ mandate: m, entity, state: s }) =>
        `${m.id}  ${s.padEnd(7)}  ${entity ? entityLine(entity) : m.entityId}  ${m.capacityCode}  ${m.validFrom}..${m.validUntil ?? ''}`,
    );
    ctx.print(lines.length ? lines.join('\n') : `${person.givenName} ${person.familyName} holds no mandate`, {
      person: personJson(person),
      mandates: rows.map(({ mandate: m, entity, state: s }) => ({
        id: m.id,
        state: s,
        entity: entity ? entityJson(entity) : { id: m.entityId },
        capacity: m.capacityCode,
        validFrom: m.validFrom,
        validUntil: m.validUntil,
        revokedAt: m.revokedAt ? new Date(m.revokedAt).toISOString() : null,
      })),
    });
    return 0;
  };
}

/** The provider that reaches the sessions the serving instances keep, built like serve builds it. */
async function providerFor(ctx: Context) {
  const { config } = ctx.runtime;
  if (!config.storage.redisUrl) {
    console.error(
      'capacity-idp: note: without Redis, sessions live in the memory of the serving process; they cannot be ended from here. ' +
        'Dependent selections are removed, so those sessions must choose again.',
    );
  }
  const issuer = config.server.issuer ?? `https://localhost:${config.server.port}`;
  const { host } = await createProviderHost(ctx.runtime, { issuer, logger: ctx.runtime.logger, metrics: createMetrics({ defaultMetrics: false }) });
  return host.current;
}

function describeRevocation(result: RevocationResult): string[] {
  const lines = [`ended ${result.endedSessions.length} dependent session(s)`];
  for (const session of result.endedSessions) {
    for (const delivery of session.backchannel) {
      lines.push(`  back-channel logout to ${delivery.clientId}: ${delivery.delivered ? 'delivered' : `failed (${delivery.error ?? 'unknown error'})`}`);
    }
  }
  return lines;
}

const revocationJson = (result: RevocationResult) => ({
  revoked: result.revoked,
  endedSessions: result.endedSessions.map((s) => ({ sessionFound: s.sessionFound, grants: s.grantIds.length, backchannel: s.backchannel })),
});

function mandatesRevoke(options: Options): Action {
  const mandateId = required(options, 'mandate');
  return async (ctx) => {
    const mandate = await createMandateQueries(ctx.runtime.db).findById(mandateId);
    if (!mandate) throw new DirectoryCommandError(`no mandate with id ${mandateId.slice(0, 100)}`);
    const provider = await providerFor(ctx);
    const result = await revokeMandate({ db: ctx.runtime.db, provider }, mandateId, { actor: ACTOR });
    const head = result.revoked ? `revoked mandate ${mandateId}` : `mandate ${mandateId} was already revoked`;
    ctx.print([head, ...describeRevocation(result)].join('\n'), { mandate: mandateId, ...revocationJson(result) });
    return failedDeliveries(result) ? 1 : 0;
  };
}

const failedDeliveries = (result: RevocationResult) => result.endedSessions.some((s) => s.backchannel.some((d) => !d.delivered));

// --- roles -----------------------------------------------------------------------------------

function rolesAssign(options: Options): Action {
  const reference = personReference(options);
  const entityNumber = enterpriseNumberOption(options);
  const clientId = required(options, 'client');
  const code = codeOption(options, 'role');
  const from = dayOption(options, 'from') ?? calendarDay();
  const until = dayOption(options, 'until');
  if (until !== undefined && until < from) throw usage(`--until (${until}) is before the first day (${from})`);
  return async (ctx) => {
    await requireApplication(ctx, clientId);
    const person = await findPerson(ctx, reference);
    const entity = await findEntity(ctx, entityNumber);
    const roles = createRoleQueries(ctx.runtime.db);
    if (!(await roles.listForApplication(clientId)).some((r) => r.code === code)) {
      throw new DirectoryCommandError(`application "${clientId}" defines no role ${code}`);
    }
    const assignment = await roles.assign({ personId: person.id, entityId: entity.id, clientId, roleCode: code, validFrom: from, validUntil: until ?? null });
    await recordAudit(ctx.runtime.db, {
      type: 'directory.role.assigned',
      outcome: 'success',
      actor: ACTOR,
      subject: person.id,
      clientId,
      details: { assignmentId: assignment.id, role: code, entityId: entity.id, validFrom: from, validUntil: until ?? null },
    });
    ctx.print(`assigned role ${code} of ${clientId} to ${person.givenName} ${person.familyName} (${person.id}) at ${entityLine(entity)} from ${from}${until ? ` until ${until}` : ''}`, {
      assignment: { id: assignment.id, person: person.id, entity: entityJson(entity), client: clientId, role: code, validFrom: from, validUntil: until ?? null },
    });
    return 0;
  };
}

function rolesRevoke(options: Options): Action {
  const reference = personReference(options);
  const entityNumber = enterpriseNumberOption(options);
  const clientId = required(options, 'client');
  const code = codeOption(options, 'role');
  return async (ctx) => {
    await requireApplication(ctx, clientId);
    const person = await findPerson(ctx, reference);
    const entity = await findEntity(ctx, entityNumber);
    const assignments = (await createRoleQueries(ctx.runtime.db).listAssignmentsForPerson(person.id)).filter(
      (a) => a.entityId === entity.id && a.clientId === clientId && a.roleCode === code && a.revokedAt === null,
    );
    if (!assignments.length) {
      throw new DirectoryCommandError(`${person.givenName} ${person.familyName} (${person.id}) holds no role ${code} of ${clientId} at ${entityLine(entity)}`);
    }
    const provider = await providerFor(ctx);
    const results: RevocationResult[] = [];
    for (const assignment of assignments) results.push(await revokeRoleAssignment({ db: ctx.runtime.db, provider }, assignment.id, { actor: ACTOR }));
    const combined: RevocationResult = { revoked: results.some((r) => r.revoked), endedSessions: results.flatMap((r) => r.endedSessions) };
    ctx.print([`revoked role ${code} of ${clientId} for ${person.givenName} ${person.familyName} (${person.id}) at ${entityLine(entity)}`, ...describeRevocation(combined)].join('\n'), {
      assignments: assignments.map((a) => a.id),
      ...revocationJson(combined),
    });
    return failedDeliveries(combined) ? 1 : 0;
  };
}

// --- dispatch --------------------------------------------------------------------------------

const PERSON = ['person', 'nrn'];
const COMMANDS: Record<string, { options: readonly string[]; prepare: (options: Options) => Action }> = {
  'persons find': { options: ['nrn'], prepare: personsFind },
  'profiles list': { options: ['client', 'entity', ...PERSON], prepare: profilesList },
  'profiles create': { options: ['client', 'code', 'label-nl', 'label-fr', 'label-de', 'label-en'], prepare: profilesCreate },
  'profiles assign': { options: [...PERSON, 'entity', 'client', 'profile'], prepare: (o) => profilesAssignment(o, true) },
  'profiles unassign': { options: [...PERSON, 'entity', 'client', 'profile'], prepare: (o) => profilesAssignment(o, false) },
  'mandates list': { options: PERSON, prepare: mandatesList },
  'mandates revoke': { options: ['mandate'], prepare: mandatesRevoke },
  'roles assign': { options: [...PERSON, 'entity', 'client', 'role', 'from', 'until'], prepare: rolesAssign },
  'roles revoke': { options: [...PERSON, 'entity', 'client', 'role'], prepare: rolesRevoke },
};

export async function directoryCommand(args: string[]): Promise<number> {
  const [subject, action, ...rest] = args;
  if (subject === '--help' || subject === 'help') {
    console.log(DIRECTORY_USAGE);
    return 0;
  }
  if (subject === undefined) throw new UsageError(`directory: a command is required\n\n${DIRECTORY_USAGE}`);
  const command = COMMANDS[`${subject} ${action ?? ''}`];
  if (!command) throw new UsageError(`${maskNumberLike(`directory: unknown command "${[subject, action].filter(Boolean).join(' ').slice(0, 60)}"`)}\n\n${DIRECTORY_USAGE}`);
  // Arguments are checked before anything is opened: a typo costs no database connection.
  const options = parseOptions(rest, command.options);
  const run = command.prepare(options);

  const { config } = loadConfig();
  const runtime = await openRuntime(config, createLogger({ level: 'warn', pretty: config.log.pretty }));
  const json = options.get('json') === true;
  try {
    return await run({
      runtime,
      print(human, machine) {
        console.log(json ? JSON.stringify(machine) : human);
      },
    });
  } finally {
    await runtime.close();
  }
}
