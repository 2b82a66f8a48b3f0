// Claims that access tokens carry for the APIs that receive them: the entity, capacity and role
// the person acts in. A JWT access token (RFC 9068, a resource server) has them as top-level
// claims; an opaque one keeps them under `extra`, which introspection returns as top-level claims.
import type { AccessToken, ClientCredentials, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { claimsLocaleOf, mandateClaims, roleClaims, MANDATE_SCOPE, ROLES_SCOPE, type ClaimsSource } from './claims.ts';

const words = (scope: unknown): string[] => (typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);

/**
 * The OIDC scopes behind an access token. An access token for a resource server holds only that
 * API's scopes, so mandate and roles are read from what the token request stands on: the scope
 * asked at this refresh, else that of the code or refresh token, limited to what the grant allows.
 */
async function oidcScopesOf(ctx: KoaContextWithOIDC | undefined, token: AccessToken): Promise<Set<string>> {
  if (!token.resourceServer) return new Set(words(token.scope));
  if (!ctx?.oidc) return new Set();
  const { entities, params } = ctx.oidc;
  const source = entities.RefreshToken ?? entities.AuthorizationCode;
  const requested = params?.scope ?? source?.scope;
  const grant = entities.Grant ?? (token.grantId ? await ctx.oidc.provider.Grant.find(token.grantId) : undefined);
  if (!grant) return new Set();
  return new Set(words(grant.getOIDCScopeFiltered(new Set(words(requested)))));
}

export function createExtraTokenClaims(source: ClaimsSource): NonNullable<Configuration['extraTokenClaims']> {
  return async (ctx: KoaContextWithOIDC | undefined, token: AccessToken | ClientCredentials) => {
    // A client acting for itself (client_credentials) has no person, hence no mandate.
    if (token.kind !== 'AccessToken') return undefined;
    const accessToken = token as AccessToken;
    if (!accessToken.accountId || !accessToken.grantId) return undefined;
    const scopes = await oidcScopesOf(ctx, accessToken);
    const withMandate = scopes.has(MANDATE_SCOPE);
    const withRoles = scopes.has(ROLES_SCOPE);
    if (!withMandate && !withRoles) return undefined;
    const facts = await source.facts(ctx, accessToken.accountId, accessToken.grantId, accessToken.clientId);
    if (!facts?.selection) return undefined;
    return {
      ...(withMandate ? mandateClaims(facts.selection, claimsLocaleOf(ctx, facts)) : {}),
      ...(withRoles ? roleClaims(facts.selection) : {}),
    };
  };
}
