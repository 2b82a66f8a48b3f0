// Each setting's environment variable, description and a valid example; the types and defaults
// are in schema.ts. A unit test checks that every setting of the schema is documented here.

export interface SettingDoc {
  /** Dotted path in the config file, e.g. `storage.databaseUrl`. */
  path: string;
  /** Environment variable that overrides the file. */
  env: string;
  description: string;
  example: string;
  /** Redacted in `config check` and never logged. */
  secret?: boolean;
}

export const settingDocs: SettingDoc[] = [
  { path: 'server.host', env: 'HOST', description: 'Address to listen on.', example: '0.0.0.0' },
  { path: 'server.port', env: 'PORT', description: 'Port to listen on (0 picks a free one).', example: '8443' },
  {
    path: 'server.issuer',
    env: 'ISSUER',
    description: 'Public issuer URL; defaults to https://localhost:<port>. Required behind a load balancer.',
    example: 'https://idp.example.be',
  },
  {
    path: 'server.tls.mode',
    env: 'TLS_MODE',
    description: 'self-signed (generated under dataDir), files (certFile/keyFile) or off (plain HTTP behind a TLS proxy).',
    example: 'files',
  },
  { path: 'server.tls.certFile', env: 'TLS_CERT_FILE', description: 'PEM certificate chain for tls.mode=files.', example: '/etc/capacity-idp/tls.crt' },
  { path: 'server.tls.keyFile', env: 'TLS_KEY_FILE', description: 'PEM private key for tls.mode=files.', example: '/etc/capacity-idp/tls.key', secret: false },
  {
    path: 'server.trustProxy',
    env: 'TRUST_PROXY',
    description: 'Trust X-Forwarded-Proto/Host/For from a TLS-terminating proxy. Only enable behind one.',
    example: 'true',
  },
  { path: 'server.shutdownGraceSeconds', env: 'SHUTDOWN_GRACE_SECONDS', description: 'How long SIGTERM waits for in-flight requests.', example: '10' },
  {
    path: 'storage.databaseUrl',
    env: 'DATABASE_URL',
    description: 'PostgreSQL for the directory; without it an embedded PGlite database under dataDir is used.',
    example: 'postgres://idp:secret@db:5432/idp',
    secret: true,
  },
  {
    path: 'storage.redisUrl',
    env: 'REDIS_URL',
    description: 'Redis for sessions, codes and tokens; without it an in-process store is used (one instance only).',
    example: 'redis://redis:6379/0',
    secret: true,
  },
  { path: 'storage.redisKeyPrefix', env: 'REDIS_KEY_PREFIX', description: 'Prefix of every Redis key.', example: 'capacity-idp:' },
  { path: 'storage.dataDir', env: 'DATA_DIR', description: 'Folder for embedded data, the generated TLS certificate and master key.', example: './data' },
  { path: 'storage.inMemory', env: 'IN_MEMORY', description: 'Embedded database in memory only (nothing persisted).', example: 'true' },
  {
    path: 'secrets.masterKey',
    env: 'MASTER_KEY',
    description:
      'Encrypts signing keys and national register numbers at rest, signs cookies. Required with DATABASE_URL; embedded mode generates one under dataDir.',
    example: 'openssl rand -base64 32',
    secret: true,
  },
  {
    path: 'keys.activationDelaySeconds',
    env: 'KEYS_ACTIVATION_DELAY_SECONDS',
    description: 'After `keys rotate`, how long a new key is only published before it signs.',
    example: '3600',
  },
  {
    path: 'keys.refreshIntervalSeconds',
    env: 'KEYS_REFRESH_INTERVAL_SECONDS',
    description: 'How often a running instance looks for signing-key changes.',
    example: '30',
  },
  { path: 'ttl.accessTokenSeconds', env: 'TTL_ACCESS_TOKEN_SECONDS', description: 'Access token lifetime.', example: '600' },
  { path: 'ttl.idTokenSeconds', env: 'TTL_ID_TOKEN_SECONDS', description: 'ID token lifetime.', example: '3600' },
  { path: 'ttl.refreshTokenSeconds', env: 'TTL_REFRESH_TOKEN_SECONDS', description: 'Refresh token lifetime.', example: '1209600' },
  { path: 'ttl.authorizationCodeSeconds', env: 'TTL_AUTHORIZATION_CODE_SECONDS', description: 'Authorization code lifetime.', example: '60' },
  { path: 'ttl.clientCredentialsSeconds', env: 'TTL_CLIENT_CREDENTIALS_SECONDS', description: 'client_credentials token lifetime.', example: '600' },
  { path: 'ttl.interactionSeconds', env: 'TTL_INTERACTION_SECONDS', description: 'How long a login interaction may take.', example: '3600' },
  { path: 'ttl.sessionSeconds', env: 'TTL_SESSION_SECONDS', description: 'Provider session lifetime.', example: '28800' },
  { path: 'ttl.grantSeconds', env: 'TTL_GRANT_SECONDS', description: 'Grant lifetime.', example: '1209600' },
  { path: 'ttl.clockToleranceSeconds', env: 'CLOCK_TOLERANCE_SECONDS', description: 'Clock skew tolerated on tokens and stored artifacts.', example: '15' },
  { path: 'log.level', env: 'LOG_LEVEL', description: 'Log level.', example: 'info' },
  { path: 'log.pretty', env: 'LOG_PRETTY', description: 'Human-readable logs; auto = when stdout is a terminal.', example: 'auto' },
  {
    path: 'seed.demoData',
    env: 'SEED_DEMO_DATA',
    description: 'Load the fictional demo directory on first start; auto = only in embedded mode.',
    example: 'false',
  },
  {
    path: 'eid.trustAnchors',
    env: 'EID_TRUST_ANCHORS',
    description: 'PEM files of the root CAs eID certificates must chain to (comma-separated in the environment). See README: eID trust anchors.',
    example: '/etc/capacity-idp/belgium-root-ca4.pem,/etc/capacity-idp/belgium-root-ca6.pem',
  },
  {
    path: 'eid.intermediates',
    env: 'EID_INTERMEDIATES',
    description: 'PEM files of the issuing CAs (Citizen CA, Foreigner CA), used when a browser sends only its own certificate.',
    example: '/etc/capacity-idp/citizen-ca.pem',
  },
  {
    path: 'eid.demoPki',
    env: 'EID_DEMO_PKI',
    description: 'Generate and trust a TEST eID hierarchy under dataDir with demo cards; auto = embedded mode only. Never in production.',
    example: 'false',
  },
  {
    path: 'eid.allowedPolicies',
    env: 'EID_ALLOWED_POLICIES',
    description: 'Certificate policy OIDs an Authentication certificate must carry one of; default: the Belgian citizen and foreigner authentication policies.',
    example: '2.16.56.12.1.1.2.2,2.16.56.12.1.1.7.2',
  },
  { path: 'eid.clockSkewSeconds', env: 'EID_CLOCK_SKEW_SECONDS', description: 'Clock skew tolerated on certificate validity.', example: '60' },
  { path: 'eid.acr', env: 'EID_ACR', description: 'The acr value an eID login carries.', example: 'urn:be:fedict:iam:fas:Level500' },
  {
    path: 'eid.revocation.mode',
    env: 'EID_REVOCATION_MODE',
    description: 'ocsp-then-crl (CRL when OCSP cannot answer), ocsp, or crl.',
    example: 'ocsp-then-crl',
  },
  {
    path: 'eid.revocation.failMode',
    env: 'EID_REVOCATION_FAIL_MODE',
    description: 'closed refuses a login whose revocation status cannot be established; open lets it through, logged and audited.',
    example: 'closed',
  },
  { path: 'eid.revocation.ocspUrl', env: 'EID_OCSP_URL', description: "OCSP responder to ask instead of the certificate's own AIA URL.", example: 'http://ocsp.eidpki.belgium.be/eid/brca6' },
  { path: 'eid.revocation.timeoutMs', env: 'EID_REVOCATION_TIMEOUT_MS', description: 'How long an OCSP or CRL request may take.', example: '3000' },
  {
    path: 'eid.certificateOrigin.mode',
    env: 'EID_CERT_ORIGIN_MODE',
    description: 'direct: this instance listens on its own TLS port asking for the card certificate; proxy: a TLS proxy asks and forwards it in a header.',
    example: 'proxy',
  },
  {
    path: 'eid.certificateOrigin.url',
    env: 'EID_CERT_ORIGIN_URL',
    description: 'Public URL of the certificate origin (own host or port); default https://localhost:<eid.certificateOrigin.port>.',
    example: 'https://eid.idp.example.be',
  },
  { path: 'eid.certificateOrigin.port', env: 'EID_CERT_ORIGIN_PORT', description: 'Port of the certificate origin in direct mode; default server.port + 1 (0 when server.port is 0: a free one).', example: '8444' },
  {
    path: 'eid.trustedProxies',
    env: 'EID_TRUSTED_PROXIES',
    description: 'Addresses allowed to forward a client certificate in a header (nginx $ssl_client_escaped_cert, RFC 9440 Client-Cert); from anyone else the header is ignored and audited.',
    example: '10.0.0.5,10.0.1.0/24',
  },
  { path: 'eid.ticketTtlSeconds', env: 'EID_TICKET_TTL_SECONDS', description: 'Lifetime of the one-time ticket that carries a validated certificate back to the login.', example: '60' },
];
