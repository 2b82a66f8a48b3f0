// First-party applications (the directory's first_party flag) do not ask the person for
// consent: the documented way is to create and save a Grant in loadExistingGrant (docs:
// configuration.md#loadexistinggrant; skipping the consent prompt instead loops, issues #468
// and #492). Third-party clients keep oidc-provider's consent prompt.
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { isFirstParty } from './client-metadata.ts';

export const loadExistingGrant: NonNullable<Configuration['loadExistingGrant']> = async (ctx: KoaContextWithOIDC) => {
  const { oidc } = ctx;
  const client = oidc.client!;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!isFirstParty(client as unknown as Record<string, unknown>)) return existing;

  const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: oidc.session!.accountId! });
  // What a first-party client asks for within its registration is granted as asked; the
  // consent checks (op_scopes_missing, op_claims_missing, rs_scopes_missing) then pass.
  const scopes = [...oidc.requestParamOIDCScopes];
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = [...oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  for (const [indicator, resourceServer] of Object.entries(oidc.resourceServers ?? {})) {
    const wanted = [...oidc.requestParamScopes].filter((scope) => resourceServer.scopes.has(scope));
    if (wanted.length) grant.addResourceScope(indicator, wanted.join(' '));
  }
  await grant.save();
  return grant;
};
