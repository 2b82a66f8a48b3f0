// First-party applications (the directory's first_party flag) do not ask the person for
// consent: the documented way is to create and save a Grant in loadExistingGrant (docs:
// configuration.md#loadexistinggrant; skipping the consent prompt instead loops, issues #468
// and #492). Third-party clients keep oidc-provider's consent prompt, answered by our consent
// page (src/interaction/consent-step.ts).
//
// The entity/capacity/role selection is stored per grant here as soon as the grant id is known:
// always for first-party clients (the grant is made here), and for third-party clients that
// already have a grant (a switch through prompt=select_mandate); a third-party client's first
// grant is made, with its selection, by the consent page.
import type { Configuration, Grant, KoaContextWithOIDC } from 'oidc-provider';
import { isFirstParty } from './client-metadata.ts';
import { persistSelectionForGrant, type SelectionService } from './selection.ts';

export function createLoadExistingGrant(selection: SelectionService): NonNullable<Configuration['loadExistingGrant']> {
  return async (ctx: KoaContextWithOIDC) => {
    const { oidc } = ctx;
    const client = oidc.client!;
    const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(client.clientId);
    const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!isFirstParty(client as unknown as Record<string, unknown>)) {
      if (existing) await persistSelectionForGrant(ctx, selection, existing);
      return existing;
    }

    const grant: Grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: oidc.session!.accountId! });
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
    await persistSelectionForGrant(ctx, selection, grant);
    return grant;
  };
}
