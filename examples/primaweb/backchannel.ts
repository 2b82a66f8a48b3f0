// OpenID Connect Back-Channel Logout 1.0, §2.6: the provider posts a logout token when the
// person's session there ends (logout elsewhere, a revoked mandate or role). openid-client does
// not validate logout tokens, so PrimaWeb does it here with jose against the provider's JWKS.
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutToken {
  sub?: string;
  sid?: string;
  jti: string;
}

export class InvalidLogoutToken extends Error {}

export interface LogoutTokenVerifier {
  verify(token: string): Promise<LogoutToken>;
}

export function createLogoutTokenVerifier(options: {
  issuer: string;
  clientId: string;
  jwksUri: string;
  algorithms: string[];
  fetch?: typeof fetch;
}): LogoutTokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri), options.fetch ? { [customFetch]: options.fetch } : {});
  // jti values already accepted, with when they may be forgotten (iat + the accepted age).
  const seen = new Map<string, number>();
  const maxAgeSeconds = 300;

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        const verified = await jwtVerify(token, jwks, {
          issuer: options.issuer,
          audience: options.clientId,
          algorithms: options.algorithms,
          maxTokenAge: maxAgeSeconds,
          requiredClaims: ['iat', 'jti'],
        });
        const typ = verified.protectedHeader.typ;
        if (typ !== undefined && typ.toLowerCase() !== 'logout+jwt' && typ.toLowerCase() !== 'application/logout+jwt') {
          throw new InvalidLogoutToken(`unexpected typ ${typ}`);
        }
        payload = verified.payload;
      } catch (err) {
        if (err instanceof InvalidLogoutToken) throw err;
        if (err instanceof errors.JOSEError) throw new InvalidLogoutToken(err.code);
        throw err;
      }
      const events = payload.events as Record<string, unknown> | undefined;
      const event = events?.[EVENT];
      if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new InvalidLogoutToken('no back-channel logout event');
      if ('nonce' in payload) throw new InvalidLogoutToken('a logout token carries no nonce');
      const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
      const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
      if (!sub && !sid) throw new InvalidLogoutToken('neither sub nor sid');
      const jti = payload.jti!;
      const now = Math.floor(Date.now() / 1000);
      for (const [id, forgetAt] of seen) if (forgetAt < now) seen.delete(id);
      if (seen.has(jti)) throw new InvalidLogoutToken('replayed jti');
      seen.set(jti, (payload.iat ?? now) + maxAgeSeconds + 60);
      return { jti, ...(sub ? { sub } : {}), ...(sid ? { sid } : {}) };
    },
  };
}
