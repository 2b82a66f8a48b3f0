import { entityName, type Entity } from '../../../directory/entities.ts';
import { formatEnterpriseNumber } from '../../../directory/identifiers.ts';
import type { Person } from '../../../directory/persons.ts';
import type { RevocationResult } from '../../../directory/revocation.ts';

export const personJson = (p: Person) => ({ id: p.id, givenName: p.givenName, familyName: p.familyName, preferredLocale: p.preferredLocale });
export const entityJson = (e: Entity) => ({ id: e.id, enterpriseNumber: e.enterpriseNumber, type: e.type, name: entityName(e, 'nl') });
export const entityLine = (e: Entity) => `${formatEnterpriseNumber(e.enterpriseNumber)} ${entityName(e, 'nl')}`;

export function describeRevocation(result: RevocationResult): string[] {
  const lines = [`ended ${result.endedSessions.length} dependent session(s)`];
  for (const session of result.endedSessions) {
    for (const delivery of session.backchannel) {
      lines.push(`  back-channel logout to ${delivery.clientId}: ${delivery.delivered ? 'delivered' : `failed (${delivery.error ?? 'unknown error'})`}`);
    }
  }
  return lines;
}

export const revocationJson = (result: RevocationResult) => ({
  revoked: result.revoked,
  endedSessions: result.endedSessions.map((s) => ({ sessionFound: s.sessionFound, grants: s.grantIds.length, backchannel: s.backchannel })),
});

export const failedDeliveries = (result: RevocationResult) => result.endedSessions.some((s) => s.backchannel.some((d) => !d.delivered));
