import { recordAudit } from '../../../directory/audit.ts';
import type { Labels } from '../../../directory/common.ts';
import { createProfileQueries } from '../../../directory/profiles.ts';
import { ACTOR, type Action } from './context.ts';
import { findEntity, findPerson, findProfile, requireApplication } from './lookups.ts';
import { codeOption, enterpriseNumberOption, labelOption, personReference, required, usage, type Options } from './options.ts';
import { entityJson, entityLine } from './output.ts';

export function profilesList(options: Options): Action {
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

export function profilesCreate(options: Options): Action {
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

export function profilesAssignment(options: Options, assign: boolean): Action {
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
