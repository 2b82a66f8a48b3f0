// Taking away a mandate or a role takes effect now, not when tokens expire: every provider
// session whose selection (entity, capacity, role) rests on it is ended as a full logout would
// end it. Tokens of the session's grants are revoked, the session is destroyed so the next
// authorization asks for the eID again, and relying parties that registered a back-channel
// logout endpoint are told. A session that chose another mandate or role is left alone, and
// profile changes end nothing: claims are computed at issuance, so the next refresh shows them.
//
// Idempotent: revoking an already revoked mandate or role still ends sessions that depend on
// it, so a run interrupted by a storage outage can simply be repeated.
import type Provider from 'oidc-provider';
import type { Queryable } from '../store/database.ts';
import { recordAudit } from './audit.ts';
import { calendarDay } from './common.ts';
import { createMandateQueries } from './mandates.ts';
import { createRoleQueries } from './roles.ts';
import { createSelectionQueries, type MandateSelection } from './selections.ts';

export interface RevocationDeps {
  db: Queryable;
  /** The provider whose artifact store holds the sessions and tokens (serve's, or one a CLI built). */
  provider: Provider;
}

export interface RevocationContext {
  /** Who acts, as recorded in the audit trail: `cli`, `admin:<name>`, a person id. */
  actor: string;
  ip?: string | null;
  now?: Date;
}

export type EndReason = 'mandate_revoked' | 'role_revoked';

export interface BackchannelDelivery {
  clientId: string;
  delivered: boolean;
  /** Why the relying party's endpoint did not take the logout token. */
  error?: string;
}

export interface EndedSession {
  /** Null when the selection was made without a provider session (it had none to end). */
  sessionUid: string | null;
  /** False when the session had already ended (logout, expiry) before the revocation. */
  sessionFound: boolean;
  /** Every grant of the session whose tokens were revoked, the dependent ones first. */
  grantIds: string[];
  backchannel: BackchannelDelivery[];
}

export interface RevocationResult {
  /** False when the row was already revoked (dependent sessions are ended all the same). */
  revoked: boolean;
  endedSessions: EndedSession[];
}

export class RevocationTargetNotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'RevocationTargetNotFoundError';
  }
}

/** The part of oidc-provider's Client instance used here; its typings omit the method. */
interface BackchannelClient {
  clientId: string;
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string | undefined): Promise<void>;
}

async function revokeGrant(provider: Provider, grantId: string): Promise<void> {
  await Promise.all([
    provider.AccessToken.revokeByGrantId(grantId),
    provider.RefreshToken.revokeByGrantId(grantId),
    provider.AuthorizationCode.revokeByGrantId(grantId),
  ]);
  const grant = await provider.Grant.find(grantId);
  await grant?.destroy();
}

/**
 * Ends the sessions the given selections depend on. Selections sharing a session end it once;
 * the session's other clients are logged out with it, because a session is one login.
 */
export async function endDependentSessions(
  deps: RevocationDeps,
  selections: MandateSelection[],
  reason: EndReason,
  context: RevocationContext,
  details: Record<string, unknown> = {},
): Promise<EndedSession[]> {
  const { db, provider } = deps;
  const queries = createSelectionQueries(db);
  const bySession = new Map<string, MandateSelection[]>();
  for (const selection of selections) {
    // A selection without a session uid has only its grant to revoke; keep it on its own.
    const key = selection.sessionUid ?? `grant:${selection.grantId}`;
    bySession.set(key, [...(bySession.get(key) ?? []), selection]);
  }

  const ended: EndedSession[] = [];
  for (const group of bySession.values()) {
    const first = group[0]!;
    const grantIds = new Set(group.map((s) => s.grantId));
    const session = first.sessionUid ? await provider.Session.findByUid(first.sessionUid) : undefined;

    // What the logout tokens need is read before the session goes away; they are sent after,
    // so a relying party that reacts by refreshing or re-authorizing already finds nothing.
    const recipients: { client: BackchannelClient; sid: string | undefined }[] = [];
    const unreachable: BackchannelDelivery[] = [];
    if (session) {
      for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
        if (authorization.grantId) grantIds.add(authorization.grantId);
        // A client whose registration no longer loads cannot be told, but must not keep the
        // session (and the other clients' tokens) alive.
        const client = (await provider.Client.find(clientId).catch((err: unknown) => {
          unreachable.push({ clientId, delivered: false, error: (err as Error).message });
          return undefined;
        })) as unknown as BackchannelClient | undefined;
        if (client?.backchannelLogoutUri) recipients.push({ client, sid: authorization.sid });
      }
    }

    for (const grantId of grantIds) await revokeGrant(provider, grantId);
    await session?.destroy();
    for (const grantId of grantIds) await queries.delete(grantId);

    const accountId = session?.accountId ?? first.personId;
    const delivered = await Promise.all(
      recipients.map(async ({ client, sid }): Promise<BackchannelDelivery> => {
        try {
          await client.backchannelLogout(accountId, sid);
          return { clientId: client.clientId, delivered: true };
        } catch (err) {
          return { clientId: client.clientId, delivered: false, error: (err as Error).message };
        }
      }),
    );
    const backchannel = [...delivered, ...unreachable];

    for (const delivery of backchannel) {
      await recordAudit(db, {
        type: 'logout.backchannel',
        outcome: delivery.delivered ? 'success' : 'failure',
        actor: context.actor,
        subject: first.personId,
        clientId: delivery.clientId,
        ip: context.ip ?? null,
        details: { reason, ...(delivery.error ? { error: delivery.error } : {}) },
      });
    }
    await recordAudit(db, {
      type: 'session.ended',
      outcome: 'success',
      actor: context.actor,
      subject: first.personId,
      clientId: first.clientId,
      ip: context.ip ?? null,
      details: {
        reason,
        ...details,
        sessionUid: first.sessionUid,
        sessionFound: Boolean(session),
        grants: grantIds.size,
        backchannel: backchannel.map((d) => d.clientId),
      },
    });
    ended.push({ sessionUid: first.sessionUid, sessionFound: Boolean(session), grantIds: [...grantIds], backchannel });
  }
  return ended;
}

export async function revokeMandate(deps: RevocationDeps, mandateId: string, context: RevocationContext): Promise<RevocationResult> {
  const mandates = createMandateQueries(deps.db);
  const mandate = await mandates.findById(mandateId);
  if (!mandate) throw new RevocationTargetNotFoundError(`mandate ${mandateId}`);
  const revoked = await mandates.revoke(mandateId, context.now ?? new Date());
  if (revoked) {
    await recordAudit(deps.db, {
      type: 'directory.mandate.revoked',
      outcome: 'success',
      actor: context.actor,
      subject: mandate.personId,
      ip: context.ip ?? null,
      details: { mandateId, entityId: mandate.entityId, capacity: mandate.capacityCode },
    });
  }
  const selections = await createSelectionQueries(deps.db).listForMandate(mandateId);
  const endedSessions = await endDependentSessions(deps, selections, 'mandate_revoked', context, { mandateId });
  return { revoked, endedSessions };
}

interface AssignmentRow {
  person_id: string;
  entity_id: string;
  client_id: string;
  role_code: string;
}

export async function revokeRoleAssignment(deps: RevocationDeps, assignmentId: string, context: RevocationContext): Promise<RevocationResult> {
  const { rows } = await deps.db.query<AssignmentRow>(
    'SELECT person_id, entity_id, client_id, role_code FROM role_assignments WHERE id = $1',
    [assignmentId],
  );
  const assignment = rows[0];
  if (!assignment) throw new RevocationTargetNotFoundError(`role assignment ${assignmentId}`);
  const now = context.now ?? new Date();
  const roles = createRoleQueries(deps.db);
  const revoked = await roles.revokeAssignment(assignmentId, now);
  const target = { entityId: assignment.entity_id, clientId: assignment.client_id, role: assignment.role_code };
  if (revoked) {
    await recordAudit(deps.db, {
      type: 'directory.role.revoked',
      outcome: 'success',
      actor: context.actor,
      subject: assignment.person_id,
      clientId: assignment.client_id,
      ip: context.ip ?? null,
      details: { assignmentId, entityId: target.entityId, role: target.role },
    });
  }
  // Another assignment of the same role (an overlapping period) still lets the session stand.
  const stillHeld = (await roles.rolesFor(assignment.person_id, assignment.entity_id, assignment.client_id, calendarDay(now))).some(
    (r) => r.code === assignment.role_code,
  );
  if (stillHeld) return { revoked, endedSessions: [] };
  const selections = await createSelectionQueries(deps.db).listForRole(assignment.person_id, assignment.entity_id, assignment.client_id, assignment.role_code);
  const endedSessions = await endDependentSessions(deps, selections, 'role_revoked', context, { assignmentId, entityId: target.entityId, role: target.role });
  return { revoked, endedSessions };
}
