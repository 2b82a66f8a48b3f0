// Configuration: config/default.yaml, then the file named by CAPACITY_IDP_CONFIG, then the
// environment. Every refusal names the setting, its environment variable and a valid example.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError, describeConfig, loadConfig } from '../../../src/config/load.ts';
import { CONFIG_FILE_ENV, configSchema, settingDocs } from '../../../src/config/schema.ts';

const DEFAULT_YAML = fileURLToPath(new URL('../../../config/default.yaml', import.meta.url));
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cidp-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`configuration ${JSON.stringify(env)} was accepted`);
}

function leaves(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    value && typeof value === 'object' && !Array.isArray(value) ? leaves(value as Record<string, unknown>, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

describe('defaults', () => {
  test('config/default.yaml holds exactly the defaults of the schema', () => {
    const file = parseYaml(readFileSync(DEFAULT_YAML, 'utf8')) as Record<string, unknown>;
    expect(file).toEqual(configSchema.parse({}));
  });

  test('every setting with a default is documented, and each setting has its own environment variable', () => {
    const documented = settingDocs.map((d) => d.path);
    for (const path of leaves(configSchema.parse({}))) expect(documented).toContain(path);
    expect(new Set(documented).size).toBe(documented.length);
    expect(new Set(settingDocs.map((d) => d.env)).size).toBe(settingDocs.length);
  });

  test('without a file or environment, loadConfig gives the defaults and says so', () => {
    const loaded = loadConfig({});
    expect(loaded.config).toEqual(configSchema.parse({}));
    expect(loaded.file).toBeUndefined();
    expect(new Set(Object.values(loaded.sources))).toEqual(new Set(['default']));
    expect(loaded.config.storage.databaseUrl).toBeUndefined();
    expect(loaded.config.server.tls.mode).toBe('self-signed');
  });

  test('an empty environment variable counts as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '' }).config.server.port).toBe(8443);
  });
});

describe('layers', () => {
  test('the file overrides the defaults and the environment overrides the file', () => {
    const file = configFile('layers.yaml', 'server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\n');
    const loaded = loadConfig({ [CONFIG_FILE_ENV]: file, LOG_LEVEL: 'warn', TRUST_PROXY: 'yes' });
    expect(loaded.file).toBe(file);
    expect(loaded.config.server.port).toBe(9000);
    expect(loaded.config.server.host).toBe('0.0.0.0');
    expect(loaded.config.log.level).toBe('warn');
    expect(loaded.config.server.trustProxy).toBe(true);
    expect(loaded.config.server.shutdownGraceSeconds).toBe(10);
    expect(loaded.sources).toMatchObject({ 'server.port': 'file', 'server.host': 'file', 'log.level': 'env', 'server.trustProxy': 'env', 'server.shutdownGraceSeconds': 'default' });
  });

  test('a JSON file is read as well (JSON is YAML)', () => {
    const file = configFile('settings.json', JSON.stringify({ ttl: { accessTokenSeconds: 300 } }));
    expect(loadConfig({ [CONFIG_FILE_ENV]: file }).config.ttl.accessTokenSeconds).toBe(300);
  });

  test('an unknown setting in the file is refused by name', () => {
    const file = configFile('unknown.yaml', 'server:\n  prot: 9000\n');
    const error = refusal({ [CONFIG_FILE_ENV]: file });
    expect(error.message).toMatch(/unknown setting\(s\) server\.prot/);
    expect(refusal({ [CONFIG_FILE_ENV]: configFile('unknown-tls.yaml', 'server:\n  tls:\n    cert: /c.pem\n') }).message).toMatch(/unknown setting\(s\) server\.tls\.cert/);
    const topLevel = refusal({ [CONFIG_FILE_ENV]: configFile('unknown-top.yaml', 'loging:\n  level: debug\n') });
    expect(topLevel.message).toMatch(/unknown setting\(s\) loging/);
  });

  test('a missing or malformed file is refused naming CAPACITY_IDP_CONFIG', () => {
    expect(refusal({ [CONFIG_FILE_ENV]: join(dir, 'absent.yaml') }).message).toMatch(/\(env CAPACITY_IDP_CONFIG\): cannot read .*absent\.yaml \(ENOENT\)/);
    expect(refusal({ [CONFIG_FILE_ENV]: configFile('broken.yaml', 'server: [1, 2\n') }).message).toMatch(/\(env CAPACITY_IDP_CONFIG\): .* is not valid YAML or JSON/);
    expect(refusal({ [CONFIG_FILE_ENV]: configFile('list.yaml', '- 1\n- 2\n') }).message).toMatch(/must hold a mapping of settings/);
  });
});

describe('each bad value names the setting, its environment variable and an example', () => {
  const bad: [env: string, value: string][] = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['ISSUER', 'ftp://idp.example.be'],
    ['TLS_MODE', 'maybe'],
    ['TRUST_PROXY', 'perhaps'],
    ['SHUTDOWN_GRACE_SECONDS', '1.5'],
    ['DATABASE_URL', 'mysql://db/idp'],
    ['REDIS_URL', 'http://redis:6379'],
    ['IN_MEMORY', 'sometimes'],
    ['MASTER_KEY', 'dG9vIHNob3J0'],
    ['KEYS_ACTIVATION_DELAY_SECONDS', '0'],
    ['TTL_ACCESS_TOKEN_SECONDS', '-5'],
    ['CLOCK_TOLERANCE_SECONDS', '1000'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_PRETTY', 'yes please'],
    ['SEED_DEMO_DATA', 'sometimes'],
  ];

  test.each(bad)('%s=%s', (env, value) => {
    const doc = settingDocs.find((d) => d.env === env)!;
    const error = refusal({ [env]: value });
    expect(error.problems).toEqual([expect.objectContaining({ setting: doc.path, env, example: doc.example })]);
    expect(error.message).toContain(`invalid setting ${doc.path} (env ${env}): `);
    expect(error.message).toContain(`; for example: ${doc.example}`);
    // A refused secret is never echoed back.
    if (doc.secret) expect(error.message).not.toContain(value);
  });

  test('several problems are all reported at once', () => {
    const error = refusal({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(error.problems.map((p) => p.env).sort()).toEqual(['LOG_LEVEL', 'PORT']);
  });
});

describe('combinations', () => {
  test('DATABASE_URL without MASTER_KEY is refused: every instance must decrypt the same keys', () => {
    const error = refusal({ DATABASE_URL: 'postgres://idp@db:5432/idp' });
    expect(error.problems).toEqual([expect.objectContaining({ setting: 'secrets.masterKey', env: 'MASTER_KEY' })]);
    expect(error.message).toMatch(/required when storage\.databaseUrl is set/);
    expect(loadConfig({ DATABASE_URL: 'postgres://idp@db:5432/idp', MASTER_KEY }).config.storage.databaseUrl).toBe('postgres://idp@db:5432/idp');
  });

  test('TLS_MODE=files needs both TLS_CERT_FILE and TLS_KEY_FILE', () => {
    const neither = refusal({ TLS_MODE: 'files' });
    expect(neither.problems.map((p) => p.env)).toEqual(['TLS_CERT_FILE', 'TLS_KEY_FILE']);
    expect(neither.message).toMatch(/server\.tls\.certFile \(env TLS_CERT_FILE\): is required when server\.tls\.mode is files; for example: \/etc\/capacity-idp\/tls\.crt/);
    const dir = mkdtempSync(join(tmpdir(), 'cidp-tls-'));
    const [cert, key] = [join(dir, 'c.pem'), join(dir, 'k.pem')];
    writeFileSync(cert, 'x');
    writeFileSync(key, 'x');
    expect(refusal({ TLS_MODE: 'files', TLS_KEY_FILE: key }).problems.map((p) => p.env)).toEqual(['TLS_CERT_FILE']);
    expect(loadConfig({ TLS_MODE: 'files', TLS_CERT_FILE: cert, TLS_KEY_FILE: key }).config.server.tls).toEqual({ mode: 'files', certFile: cert, keyFile: key });
  });

  test('files named by settings must exist: TLS files and eID trust anchors', () => {
    const missing = refusal({ TLS_MODE: 'files', TLS_CERT_FILE: '/nonexistent/c.pem', TLS_KEY_FILE: '/nonexistent/k.pem', EID_TRUST_ANCHORS: '/nonexistent/root.pem' });
    expect(missing.problems.map((p) => p.env)).toEqual(['TLS_CERT_FILE', 'TLS_KEY_FILE', 'EID_TRUST_ANCHORS']);
    expect(missing.message).toMatch(/eid\.trustAnchors \(env EID_TRUST_ANCHORS\): names \/nonexistent\/root\.pem, which does not exist/);
  });

  test('proxy certificate forwarding needs the proxy named in EID_TRUSTED_PROXIES', () => {
    expect(refusal({ EID_CERT_ORIGIN_MODE: 'proxy' }).problems[0]).toMatchObject({ setting: 'eid.trustedProxies', env: 'EID_TRUSTED_PROXIES' });
    expect(loadConfig({ EID_CERT_ORIGIN_MODE: 'proxy', EID_TRUSTED_PROXIES: '10.0.0.5, 10.0.1.0/24' }).config.eid.trustedProxies).toEqual(['10.0.0.5', '10.0.1.0/24']);
    expect(refusal({ EID_TRUSTED_PROXIES: '10.0.0.300' }).problems[0]).toMatchObject({ setting: 'eid.trustedProxies' });
    expect(refusal({ EID_ALLOWED_POLICIES: '2.16.56.x' }).problems[0]).toMatchObject({ setting: 'eid.allowedPolicies' });
  });

  test('an issuer with a query or fragment is refused', () => {
    expect(refusal({ ISSUER: 'https://idp.example.be/?tenant=1' }).problems[0]).toMatchObject({ setting: 'server.issuer', env: 'ISSUER' });
    expect(refusal({ ISSUER: 'https://idp.example.be/#x' }).problems[0]).toMatchObject({ setting: 'server.issuer', env: 'ISSUER' });
  });
});

describe('describeConfig (what `config check` prints)', () => {
  test('secrets are redacted; URLs keep where they point', () => {
    const rows = describeConfig(
      loadConfig({ DATABASE_URL: 'postgres://idp:s3cret@db:5432/idp', REDIS_URL: 'redis://:r3dis@redis:6379/0', MASTER_KEY }),
    );
    const value = (env: string) => rows.find((r) => r.env === env)!.value;
    expect(value('DATABASE_URL')).toBe('postgres://idp:*****@db:5432/idp');
    expect(value('REDIS_URL')).toBe('redis://:*****@redis:6379/0');
    expect(value('MASTER_KEY')).toBe('*****');
    expect(JSON.stringify(rows)).not.toMatch(/s3cret|r3dis/);
    expect(JSON.stringify(rows)).not.toContain(MASTER_KEY);
    expect(rows.map((r) => r.env)).toEqual(settingDocs.map((d) => d.env));
    expect(rows.find((r) => r.env === 'ISSUER')).toMatchObject({ value: '(unset)', source: 'default' });
  });
});
