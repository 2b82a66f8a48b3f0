import { recordAudit } from '../../../directory/audit.ts';
import { calendarDay } from '../../../directory/common.ts';
import { revokeRoleAssignment, type RevocationResult } from '../../../directory/revocation.ts';
import { createRoleQueries } from '../../../directory/roles.ts';
import { ACTOR, type Action } from './context.ts';
import { DirectoryCommandError } from './errors.ts';
import { findEntity, findPerson, providerFor, requireApplication } from './lookups.ts';
import { codeOption, dayOption, enterpriseNumberOption, personReference, required, usage, type Options } from './options.ts';
import { describeRevocation, entityJson, entityLine, failedDeliveries, revocationJson } from './output.ts';

export function rolesAssign(options: Options): Action {
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

export function rolesRevoke(options: Options): Action {
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
