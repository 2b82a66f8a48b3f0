// Protocol features (docs: configuration.md#features). Everything a relying party needs is on;
// nothing that would weaken a government deployment (dynamic registration, devInteractions,
// implicit flows) is.
import type { Configuration } from 'oidc-provider';
import { logoutSource, postLogoutSuccessSource } from './pages.ts';
import { resourceIndicatorsFeature, type ResourceServerQueries } from './resource-servers.ts';

export function featuresConfiguration(deps: {
  resourceServers: Pick<ResourceServerQueries, 'find'>;
  dpopNonceSecret: Buffer;
}): NonNullable<Configuration['features']> {
  return {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    claimsParameter: { enabled: true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    dPoP: { enabled: true, nonceSecret: deps.dpopNonceSecret, requireNonce: () => false },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    backchannelLogout: { enabled: true },
    resourceIndicators: resourceIndicatorsFeature(deps.resourceServers),
  };
}
