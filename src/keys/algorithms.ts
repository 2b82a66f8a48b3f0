// The signing algorithms we keep a key for. Each alg has its own key chain: oidc-provider picks
// the first key of the requested alg in the JWKS, so rotation is tracked per alg.
export const SIGNING_ALGS = ['ES256', 'RS256'] as const;

export type SigningAlg = (typeof SIGNING_ALGS)[number];

export function isSigningAlg(value: string): value is SigningAlg {
  return (SIGNING_ALGS as readonly string[]).includes(value);
}
