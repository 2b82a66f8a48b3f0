// The entity, capacity and role a person acts for in an application: what they may choose (their
// mandates valid today in a capacity the application accepts, and their roles there), the
// `select_mandate` prompt of the interaction policy, and where the choice is kept (one row per
// grant, src/directory/selections.ts). The prompt sits between login and consent; a relying
// party can request it (prompt=select_mandate) to let the person switch without a new eID login.
import { interactionPolicy, type Grant, type KoaContextWithOIDC } from 'oidc-provider';
import { createMandateQueries, type ValidMandate } from '../directory/mandates.ts';
import { createRoleQueries, type ApplicationRole } from '../directory/roles.ts';
import { createSelectionQueries, type MandateSelection } from '../directory/selections.ts';
import type { Queryable } from '../store/database.ts';

const { Prompt, Check } = interactionPolicy;

export const SELECT_MANDATE = 'select_mandate';

/** What the interaction result carries under `select_mandate` once the person has chosen. */
export interface SelectionChoice {
  mandateId: string;
  /** Null when the person holds no role for the application at that entity. */
  roleCode: string | null;
}

/** A mandate the person may choose, with the roles they hold for the application at its entity. */
export interface MandateOption {
  mandate: ValidMandate;
  roles: ApplicationRole[];
}

export type ChoiceRefusal = 'unknown_mandate' | 'role_not_held';

export type ChoiceCheck =
  | { ok: true; choice: SelectionChoice; option: MandateOption }
  /** The mandate is fine but the person holds several roles and named none: ask for the role. */
  | { ok: false; roleNeeded: true; option: MandateOption }
  | { ok: false; roleNeeded?: false; reason: ChoiceRefusal };

export function isSelectionChoice(value: unknown): value is SelectionChoice {
  if (!value || typeof value !== 'object') return false;
  const { mandateId, roleCode } = value as Record<string, unknown>;
  return typeof mandateId === 'string' && (roleCode === null || typeof roleCode === 'string');
}

export interface SelectionServiceDeps {
  /** The directory database. */
  db: Queryable;
  /** The moment "valid today" refers to; tests move it. */
  now?: () => Date;
}

export function createSelectionService(deps: SelectionServiceDeps) {
  const mandates = createMandateQueries(deps.db);
  const roles = createRoleQueries(deps.db);
  const selections = createSelectionQueries(deps.db);
  const now = deps.now ?? (() => new Date());

  async function optionsFor(personId: string, clientId: string): Promise<MandateOption[]> {
    const today = now();
    const valid = await mandates.validForPerson(personId, today, clientId);
    return Promise.all(valid.map(async (mandate) => ({ mandate, roles: await roles.rolesFor(personId, mandate.entityId, clientId, today) })));
  }

  /** Checks a submitted (or stored) choice against the directory as it is now. */
  async function verify(personId: string, clientId: string, submitted: { mandateId: string; roleCode?: string | null }): Promise<ChoiceCheck> {
    const option = (await optionsFor(personId, clientId)).find((o) => o.mandate.id === submitted.mandateId);
    if (!option) return { ok: false, reason: 'unknown_mandate' };
    const held = option.roles.map((r) => r.code);
    if (submitted.roleCode === undefined || submitted.roleCode === null) {
      if (held.length > 1) return { ok: false, roleNeeded: true, option };
      return { ok: true, choice: { mandateId: option.mandate.id, roleCode: held[0] ?? null }, option };
    }
    if (!held.includes(submitted.roleCode)) return { ok: false, reason: 'role_not_held' };
    return { ok: true, choice: { mandateId: option.mandate.id, roleCode: submitted.roleCode }, option };
  }

  return {
    selections,
    optionsFor,
    verify,

    /** Applications that accept no capacity are not mandate-based: they have no entity step. */
    async appliesTo(clientId: string): Promise<boolean> {
      const { rows } = await deps.db.query('SELECT 1 FROM application_capacities WHERE client_id = $1 LIMIT 1', [clientId]);
      return rows.length > 0;
    },

    /**
     * The grant's selection when it still holds today: the mandate is still valid and accepted,
     * and the role is still held (or, for "no role", the person still holds none).
     */
    async liveSelection(grantId: string, personId: string, clientId: string): Promise<MandateSelection | undefined> {
      const selection = await selections.findByGrant(grantId, now());
      if (!selection || selection.personId !== personId || selection.clientId !== clientId) return undefined;
      const check = await verify(personId, clientId, { mandateId: selection.mandateId, roleCode: selection.roleCode });
      if (!check.ok) return undefined;
      const option = check.option;
      if (selection.roleCode === null && option.roles.length > 0) return undefined;
      return selection;
    },
  };
}

export type SelectionService = ReturnType<typeof createSelectionService>;

/**
 * The step between login and consent. It asks for interaction unless the person has just chosen
 * (the interaction result), the application has no entity step, or the grant already carries a
 * selection that still holds today. Requestable: prompt=select_mandate shows the choice again.
 */
export function selectMandatePrompt(service: SelectionService) {
  return new Prompt(
    { name: SELECT_MANDATE, requestable: true },
    new Check('mandate_selection_missing', 'the person has not chosen the entity, capacity and role to act for', async (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const accountId = oidc.session?.accountId;
      const clientId = oidc.client?.clientId;
      if (!accountId || !clientId) return Check.NO_NEED_TO_PROMPT;
      if (oidc.result?.[SELECT_MANDATE]) return Check.NO_NEED_TO_PROMPT;
      if (!(await service.appliesTo(clientId))) return Check.NO_NEED_TO_PROMPT;
      const grantId = oidc.grant?.jti ?? oidc.session.grantIdFor(clientId);
      if (grantId && (await service.liveSelection(grantId, accountId, clientId))) return Check.NO_NEED_TO_PROMPT;
      return Check.REQUEST_PROMPT;
    }),
  );
}

/**
 * When the grant expires. A grant keeps the expiry it was first saved with (oidc-provider saves
 * a loaded token with its remaining TTL); a grant saved just now has no `exp` on the instance,
 * only its lifetime.
 */
export function grantExpiry(grant: Grant): Date {
  const exp = grant.exp ?? Math.floor(Date.now() / 1000) + grant.remainingTTL;
  return new Date(exp * 1000);
}

/**
 * Keeps the grant's selection in step with the grant, from loadExistingGrant (the grant is
 * saved and its id known): a choice just made is stored; an existing selection is carried to
 * the grant's new expiry and to the session's current identifiers. Returns what is stored.
 */
export async function persistSelectionForGrant(ctx: KoaContextWithOIDC, service: SelectionService, grant: Grant): Promise<MandateSelection | undefined> {
  const { oidc } = ctx;
  const session = oidc.session!;
  const clientId = oidc.client!.clientId;
  const personId = session.accountId!;
  // The session's per-client container (and its sid, the one logout tokens name) is made right
  // after loadExistingGrant; making it now is idempotent and lets the row carry the sid.
  session.ensureClientContainer(clientId);
  const row = {
    grantId: grant.jti,
    personId,
    clientId,
    sessionUid: session.uid,
    sid: session.sidFor(clientId) ?? null,
    expiresAt: grantExpiry(grant),
  };
  const chosen = oidc.result?.[SELECT_MANDATE];
  if (isSelectionChoice(chosen)) return service.selections.save({ ...row, mandateId: chosen.mandateId, roleCode: chosen.roleCode });
  const existing = await service.selections.findByGrant(grant.jti);
  if (!existing) return undefined;
  const unchanged = Math.abs(existing.expiresAt.getTime() - row.expiresAt.getTime()) < 2000 && existing.sid === row.sid && existing.sessionUid === row.sessionUid;
  if (unchanged) return existing;
  return service.selections.save({ ...row, mandateId: existing.mandateId, roleCode: existing.roleCode });
}
