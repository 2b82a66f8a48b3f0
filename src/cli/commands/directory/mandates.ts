import { calendarDay } from '../../../directory/common.ts';
import { createEntityQueries } from '../../../directory/entities.ts';
import { createMandateQueries, type Mandate } from '../../../directory/mandates.ts';
import { revokeMandate } from '../../../directory/revocation.ts';
import { ACTOR, type Action } from './context.ts';
import { DirectoryCommandError } from './errors.ts';
import { findPerson, providerFor } from './lookups.ts';
import { personReference, required, type Options } from './options.ts';
import { describeRevocation, entityJson, entityLine, failedDeliveries, personJson, revocationJson } from './output.ts';

function state(row: Pick<Mandate, 'revokedAt' | 'validFrom' | 'validUntil'>, today: string): 'revoked' | 'valid' | 'future' | 'expired' {
  if (row.revokedAt) return 'revoked';
  if (row.validFrom > today) return 'future';
  if (row.validUntil !== null && row.validUntil < today) return 'expired';
  return 'valid';
}

export function mandatesList(options: Options): Action {
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

export function mandatesRevoke(options: Options): Action {
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
