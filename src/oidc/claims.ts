// The claims contract: scopes, the claims each one releases, and the account lookup that
// computes them. The person's `sub` is their stable opaque id in the directory, never the
// national register number. Claims are computed when a token or a userinfo response is made,
// from the directory and from the entity, capacity and role chosen for the grant the token comes
// from, so a refresh after a change carries the change.
import type { Account, ClaimsParameterMember, Configuration, FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import { recordAudit } from '../directory/audit.ts';
import { createClaimsQueries, type SelectedMandateFacts, type TokenFacts } from '../directory/claims.ts';
import { isLocale, type Labels, type Locale } from '../directory/common.ts';
import { entityName } from '../directory/entities.ts';
import { createPersonQueries, type PersonSecrets } from '../directory/persons.ts';
import type { Queryable } from '../store/database.ts';
import { allowsNationalRegisterNumber, isFirstParty } from './client-metadata.ts';

export const MANDATE_SCOPE = 'mandate';
export const ROLES_SCOPE = 'roles';
/** Restricted: only applications with allow_nrn may ask for it (others get invalid_scope). */
export const NATIONAL_REGISTER_NUMBER_SCOPE = 'national_register_number';
export const NATIONAL_REGISTER_NUMBER_RELEASED = 'claims.national_register_number.released';

export const SCOPES = ['openid', 'offline_access', 'profile', MANDATE_SCOPE, ROLES_SCOPE, NATIONAL_REGISTER_NUMBER_SCOPE];

export const CLAIMS: NonNullable<Configuration['claims']> = {
  // acr and amr are only emitted when a scope maps them (oidc-provider's Claims mask); relying
  // parties choose landing pages and step-up from them, so every ID token carries them.
  openid: ['sub', 'acr', 'amr'],
  profile: ['given_name', 'family_name', 'name', 'locale'],
  [MANDATE_SCOPE]: ['entity', 'capacity'],
  [ROLES_SCOPE]: ['roles', 'role', 'profiles'],
  [NATIONAL_REGISTER_NUMBER_SCOPE]: ['national_register_number'],
};

/** `entity`: the organisation the person acts for. */
export interface EntityClaim {
  /** KBO/BCE number, 10 digits without separators. */
  enterprise_number: string;
  /** e.g. OCMW, CPAS, OSHZ, OCMW_ASSOCIATION. */
  type: string;
  /** In the language of the claims (see claimsLocaleOf). */
  name: string;
  /** Every official name the directory knows. */
  names: Partial<Record<'nl' | 'fr' | 'de', string>>;
}

/** `capacity`: in which capacity the person acts for the entity. */
export interface CapacityClaim {
  code: string;
  label: string;
  labels: Labels;
}

export interface MandateClaims {
  entity: EntityClaim;
  capacity: CapacityClaim;
}

export interface RoleClaims {
  /** The role chosen at login, when the person still holds it. */
  role?: string;
  roles: string[];
  profiles: string[];
}

export interface ClaimsSourceDeps {
  db: Queryable;
  secrets: PersonSecrets;
}

/**
 * The first supported language of a space-separated list of BCP 47 tags in order of preference
 * (claims_locales, ui_locales), by primary subtag.
 */
export function firstSupportedLocale(tags: unknown): Locale | undefined {
  if (typeof tags !== 'string') return undefined;
  for (const tag of tags.split(/\s+/)) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLocale(primary)) return primary;
  }
  return undefined;
}

/**
 * Language of labels and names: claims_locales, then ui_locales of the request when it carries
 * them (the authorization endpoint), then what the grant's latest authorization request asked
 * for (token and userinfo requests carry no language), then the person's own.
 */
export function claimsLocaleOf(ctx: KoaContextWithOIDC | undefined, facts: TokenFacts): Locale {
  const params = ctx?.oidc?.params;
  return (
    firstSupportedLocale(params?.claims_locales) ??
    firstSupportedLocale(params?.ui_locales) ??
    facts.selection?.claimsLocale ??
    facts.person.preferredLocale
  );
}

export function mandateClaims(selection: SelectedMandateFacts, locale: Locale): MandateClaims {
  const { entity, capacity } = selection;
  const names: EntityClaim['names'] = {};
  if (entity.nameNl) names.nl = entity.nameNl;
  if (entity.nameFr) names.fr = entity.nameFr;
  if (entity.nameDe) names.de = entity.nameDe;
  return {
    entity: { enterprise_number: entity.enterpriseNumber, type: entity.type, name: entityName(entity, locale), names },
    capacity: { code: capacity.code, label: capacity.labels[locale], labels: capacity.labels },
  };
}

export function roleClaims(selection: SelectedMandateFacts): RoleClaims {
  return { ...(selection.role ? { role: selection.role } : {}), roles: selection.roles, profiles: selection.profiles };
}

export type ClaimsSource = ReturnType<typeof createClaimsSource>;

/**
 * Reads token facts at most once per HTTP request and grant: a token response computes the
 * access token's claims and the ID token's from the same moment in one round trip. Nothing is
 * kept beyond the request (the map is keyed weakly by the request context).
 */
export function createClaimsSource(deps: ClaimsSourceDeps) {
  const queries = createClaimsQueries(deps.db);
  const persons = createPersonQueries(deps.db, deps.secrets);
  const perRequest = new WeakMap<object, Map<string, Promise<TokenFacts | undefined>>>();

  return {
    facts(ctx: KoaContextWithOIDC | undefined, personId: string, grantId?: string, clientId?: string): Promise<TokenFacts | undefined> {
      const read = () => queries.tokenFacts({ personId, grantId: grantId ?? null, clientId: clientId ?? null });
      if (!ctx) return read();
      let memo = perRequest.get(ctx);
      if (!memo) perRequest.set(ctx, (memo = new Map()));
      const key = JSON.stringify([personId, grantId ?? null, clientId ?? null]);
      let facts = memo.get(key);
      if (!facts) {
        facts = read();
        memo.set(key, facts);
        // A failed read is not remembered: a retry within the request asks again.
        facts.catch(() => memo.delete(key));
      }
      return facts;
    },

    /** Reveals the number to a client and records that it did; the audit row comes first or nothing is released. */
    async releaseNationalNumber(ctx: KoaContextWithOIDC | undefined, release: { personId: string; clientId: string; use: string; grantId?: string }): Promise<string | undefined> {
      const nationalNumber = await persons.revealNationalNumber(release.personId);
      if (!nationalNumber) return undefined;
      await recordAudit(deps.db, {
        type: NATIONAL_REGISTER_NUMBER_RELEASED,
        outcome: 'success',
        actor: `client:${release.clientId}`,
        subject: release.personId,
        clientId: release.clientId,
        ip: ctx?.ip ?? null,
        details: { use: release.use, ...(release.grantId ? { grant_id: release.grantId } : {}) },
      });
      return nationalNumber;
    },

    rememberClaimsLocale: queries.rememberClaimsLocale,
  };
}

type ClaimsRequest = { [key: string]: null | ClaimsParameterMember };

/**
 * oidc-provider's findAccount. `token` is the authorization code or refresh token at the token
 * endpoint and the access token at userinfo; its grant names the selection. oidc-provider masks
 * what claims() returns by the granted scopes and requested claims; what is decided here is what
 * a client may see at all: entity, capacity, roles and the national register number go into an
 * ID token only for first-party clients (a third party reads them at userinfo), and the national
 * register number only to an allow_nrn client that was granted its scope.
 */
export function createFindAccount(source: ClaimsSource): FindAccount {
  return async (ctx, sub, token) => {
    const clientId = token?.clientId ?? ctx.oidc.client?.clientId;
    const grantId = token?.grantId;
    const facts = await source.facts(ctx, sub, grantId, clientId);
    if (!facts) return undefined;
    const { person } = facts;
    const account: Account = {
      accountId: person.id,
      async claims(use: string, scope: string, _claims: ClaimsRequest, rejected: string[]) {
        const client = ctx.oidc.client as unknown as Record<string, unknown> | undefined;
        const mayShowSelection = use !== 'id_token' || (client !== undefined && isFirstParty(client));
        const scopes = new Set(scope.split(' '));
        const released: Record<string, unknown> = {
          sub: person.id,
          given_name: person.givenName,
          family_name: person.familyName,
          name: `${person.givenName} ${person.familyName}`,
          locale: person.preferredLocale,
        };
        if (mayShowSelection && facts.selection) {
          Object.assign(released, mandateClaims(facts.selection, claimsLocaleOf(ctx, facts)), roleClaims(facts.selection));
        }
        if (
          mayShowSelection &&
          client !== undefined &&
          clientId !== undefined &&
          scopes.has(NATIONAL_REGISTER_NUMBER_SCOPE) &&
          allowsNationalRegisterNumber(client) &&
          !rejected.includes('national_register_number')
        ) {
          const nationalNumber = await source.releaseNationalNumber(ctx, { personId: person.id, clientId, use, ...(grantId ? { grantId } : {}) });
          if (nationalNumber) released.national_register_number = nationalNumber;
        }
        return released as { sub: string };
      },
    };
    return account;
  };
}

/**
 * Remembers the language an authorization request asked for (claims_locales, else ui_locales)
 * with the grant's selection once an authorization code is issued for it, before the response
 * leaves: the code is exchanged at the token endpoint, where no language is given.
 */
export function rememberClaimsLocale(source: ClaimsSource) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    const code = ctx.oidc?.entities?.AuthorizationCode;
    if (!code?.grantId) return;
    const locale = firstSupportedLocale(ctx.oidc.params?.claims_locales) ?? firstSupportedLocale(ctx.oidc.params?.ui_locales);
    if (locale) await source.rememberClaimsLocale(code.grantId, locale);
  };
}
