-- APIs that accept this provider's access tokens (RFC 8707 resource indicators). A resource server
-- with access_token_format 'jwt' receives RFC 9068 JWT access tokens it can verify offline.
CREATE TABLE resource_servers (
  identifier          text PRIMARY KEY CHECK (identifier ~ '^(https://|urn:)'),
  name                text NOT NULL,
  scopes              text[] NOT NULL DEFAULT '{}',
  access_token_format text NOT NULL DEFAULT 'jwt' CHECK (access_token_format IN ('jwt', 'opaque')),
  access_token_ttl    integer CHECK (access_token_ttl IS NULL OR access_token_ttl BETWEEN 30 AND 86400),
  signing_alg         text NOT NULL DEFAULT 'ES256' CHECK (signing_alg IN ('ES256', 'RS256')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
