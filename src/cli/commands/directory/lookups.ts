import { createApplicationQueries } from '../../../directory/applications.ts';
import { createEntityQueries, type Entity } from '../../../directory/entities.ts';
import { formatEnterpriseNumber, maskNationalNumber } from '../../../directory/identifiers.ts';
import { createPersonQueries, type Person } from '../../../directory/persons.ts';
import { createProfileQueries } from '../../../directory/profiles.ts';
import { createMetrics } from '../../../observability/metrics.ts';
import { createProviderHost } from '../../../server/provider-host.ts';
import type { Context } from './context.ts';
import { DirectoryCommandError } from './errors.ts';
import type { PersonReference } from './options.ts';

export async function findPerson(ctx: Context, reference: PersonReference): Promise<Person> {
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

export async function findEntity(ctx: Context, enterpriseNumber: string): Promise<Entity> {
  const entity = await createEntityQueries(ctx.runtime.db).findByEnterpriseNumber(enterpriseNumber);
  if (!entity) throw new DirectoryCommandError(`no entity with enterprise number ${formatEnterpriseNumber(enterpriseNumber)}`);
  return entity;
}

export async function requireApplication(ctx: Context, clientId: string): Promise<void> {
  const application = await createApplicationQueries(ctx.runtime.db, ctx.runtime.secrets).findByClientId(clientId);
  if (!application) throw new DirectoryCommandError(`no application with client id "${clientId.slice(0, 100)}"`);
}

export async function findProfile(ctx: Context, clientId: string, code: string) {
  const profile = (await createProfileQueries(ctx.runtime.db).listForApplication(clientId)).find((p) => p.code === code);
  if (!profile) throw new DirectoryCommandError(`application "${clientId}" defines no profile ${code} (see: directory profiles list --client ${clientId})`);
  return profile;
}

/** The provider that reaches the sessions the serving instances keep, built like serve builds it. */
export async function providerFor(ctx: Context) {
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
