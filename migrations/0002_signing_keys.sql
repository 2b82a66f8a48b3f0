-- OIDC signing keys. The private JWK is stored only sealed (AES-256-GCM under a key derived from
-- the master key, bound to its kid); the public JWK is kept clear so it can be published and
-- inspected without the master key.
--
-- Life of a key: published (in the JWKS) at publish_at, signs from activate_at until a newer key
-- of its alg activates, still published until retire_at so tokens it signed keep verifying.
CREATE TABLE IF NOT EXISTS signing_keys (
  kid                text PRIMARY KEY,
  alg                text NOT NULL CHECK (alg IN ('ES256', 'RS256')),
  private_jwk_sealed text NOT NULL,
  public_jwk         jsonb NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  publish_at         timestamptz NOT NULL,
  activate_at        timestamptz NOT NULL,
  retire_at          timestamptz,
  CONSTRAINT signing_keys_published_before_active CHECK (publish_at <= activate_at),
  CONSTRAINT signing_keys_retired_after_active CHECK (retire_at IS NULL OR retire_at >= activate_at)
);
