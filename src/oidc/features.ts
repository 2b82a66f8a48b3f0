// Protocol features (docs: configuration.md#features). Everything a relying party needs is on;
// nothing that would weaken a government deployment (dynamic registration, devInteractions,
// implicit flows) is.
import { errors, type Configuration } from 'oidc-provider';
import { logoutSource, postLogoutSuccessSource } from './pages.ts';
import { resourceIndicatorsFeature, type ResourceServerQueries } from './resource-servers.ts';

export function featuresConfiguration(deps: {
  resourceServers: Pick<ResourceServerQueries, 'find'>;
  dpopNonceSecret: Buffer;
}): NonNullable<Configuration['features']> {
  return {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // A client learns about its own tokens only (RFC 7662 §4 leaves the policy to us). APIs get
    // JWT access tokens they verify themselves, so no client needs to introspect another's.
    introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    revocation: {
      enabled: true,
      allowedPolicy: async (_ctx, client, token) => {
        if (token.clientId === client.clientId) return true;
        if (client.clientAuthMethod === 'none') return false;
        throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
      },
    },
    userinfo: { enabled: true },
    claimsParameter: { enabled: true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    dPoP: { enabled: true, nonceSecret: deps.dpopNonceSecret, requireNonce: () => false },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    backchannelLogout: { enabled: true },
    resourceIndicators: resourceIndicatorsFeature(deps.resourceServers),
  };
}
