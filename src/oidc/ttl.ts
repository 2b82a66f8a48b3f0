// Token and artifact lifetimes (oidc-provider `ttl`, docs: configuration.md#ttl).
import type { Configuration } from 'oidc-provider';
import type { Config } from '../config/schema.ts';

const ONE_DAY = 24 * 3600;

export function ttlConfiguration(ttl: Config['ttl']): NonNullable<Configuration['ttl']> {
  return {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessTokenSeconds,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.clientCredentialsSeconds,
    AuthorizationCode: ttl.authorizationCodeSeconds,
    IdToken: ttl.idTokenSeconds,
    Interaction: ttl.interactionSeconds,
    Session: ttl.sessionSeconds,
    Grant: ttl.grantSeconds,
    // A public client's refresh token is a bearer secret living in a browser or app; unless it is
    // sender-constrained with DPoP it lives at most a day (the same policy as oidc-provider's
    // default RefreshToken ttl function).
    RefreshToken: (_ctx, token, client) => {
      if (client.clientAuthMethod === 'none' && !token.isSenderConstrained()) {
        return Math.min(ONE_DAY, ttl.refreshTokenSeconds);
      }
      return ttl.refreshTokenSeconds;
    },
  };
}
