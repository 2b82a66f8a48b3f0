// docker-compose.yml is a deployment we document, so it is checked like code: the provider
// instances are configured only with settings that exist and values loadConfig accepts, and
// nginx really fronts both instances with the forwarded headers they are told to trust.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../../src/config/load.ts';
import { settingDocs } from '../../../src/config/schema.ts';

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  expose?: (string | number)[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: unknown;
}

const compose = parseYaml(read('docker-compose.yml')) as { services: Record<string, Service> };
const nginxConf = read('deploy/nginx.conf');
const IDPS = ['idp1', 'idp2'] as const;
const MASTER_KEY = Buffer.alloc(32, 3).toString('base64');

/** Compose variable substitution: ${VAR}, ${VAR:-default}, ${VAR:?error} (docs: compose interpolation). */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`compose refuses to start: ${name}: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

function idpEnvironment(service: string, env: Record<string, string> = { MASTER_KEY }): Record<string, string> {
  const raw = compose.services[service]!.environment ?? {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(String(v), env)]));
}

describe('docker-compose.yml', () => {
  test('declares PostgreSQL, Redis, two provider instances and nginx', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['idp1', 'idp2', 'nginx', 'postgres', 'redis']);
  });

  test('both instances are configured identically (one issuer, one key, one store)', () => {
    expect(idpEnvironment('idp1')).toEqual(idpEnvironment('idp2'));
  });

  test.each(IDPS)('%s sets only documented settings', (service) => {
    const documented = new Set(settingDocs.map((d) => d.env));
    for (const name of Object.keys(idpEnvironment(service))) expect({ name, documented: documented.has(name) }).toEqual({ name, documented: true });
  });

  test.each(IDPS)('%s values pass loadConfig: PostgreSQL and Redis, plain HTTP behind a trusted proxy, an https issuer', (service) => {
    const { config } = loadConfig(idpEnvironment(service));
    expect(config.server.tls.mode).toBe('off');
    expect(config.server.trustProxy).toBe(true);
    expect(new URL(config.server.issuer!).protocol).toBe('https:');
    // Inside a container the loopback address is unreachable for nginx.
    expect(config.server.host).toBe('0.0.0.0');
    expect(new URL(config.storage.databaseUrl!).hostname).toBe('postgres');
    expect(new URL(config.storage.redisUrl!).hostname).toBe('redis');
    expect(config.secrets.masterKey).toBe(MASTER_KEY);
  });

  test('without MASTER_KEY compose refuses to start rather than run with a missing key', () => {
    expect(() => idpEnvironment('idp1', {})).toThrow(/MASTER_KEY/);
  });

  test('the instances use the database and user PostgreSQL is created with, and wait for healthy storage', () => {
    const db = new URL(idpEnvironment('idp1').DATABASE_URL!);
    const pgEnv = compose.services.postgres!.environment!;
    expect(db.username).toBe(pgEnv.POSTGRES_USER);
    expect(decodeURIComponent(db.password)).toBe(pgEnv.POSTGRES_PASSWORD);
    expect(db.pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
    for (const service of IDPS) {
      expect(compose.services[service]!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    }
    expect(compose.services.postgres!.healthcheck).toBeDefined();
    expect(compose.services.redis!.healthcheck).toBeDefined();
  });

  test('nginx publishes a port and mounts deploy/nginx.conf', () => {
    const nginx = compose.services.nginx!;
    expect(nginx.ports).toEqual(expect.arrayContaining([expect.stringMatching(/^\d+:443$/)]));
    expect(nginx.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/^\.\/deploy\/nginx\.conf:\/etc\/nginx\/conf\.d\/[\w.-]+\.conf(:ro)?$/)]));
    expect(nginx.depends_on).toEqual(expect.arrayContaining(['idp1', 'idp2']));
  });

  test('the issuer is the address nginx publishes', () => {
    const issuer = new URL(idpEnvironment('idp1').ISSUER!);
    const published = compose.services.nginx!.ports!.map((p) => p.split(':')[0]);
    expect(published).toContain(issuer.port || '443');
  });
});

describe('deploy/nginx.conf', () => {
  const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(nginxConf);
  const location = /location\s+\/\s*\{([^}]*)\}/.exec(nginxConf)?.[1] ?? '';
  const header = (name: string) => new RegExp(`proxy_set_header\\s+${name}\\s+([^;]+);`, 'i').exec(location)?.[1]?.trim();

  test('proxies to both instances on the port they listen on', () => {
    expect(upstream).not.toBeNull();
    const servers = [...upstream![2]!.matchAll(/server\s+([\w.-]+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    const port = idpEnvironment('idp1').PORT;
    expect(servers.sort()).toEqual([`idp1:${port}`, `idp2:${port}`]);
    for (const service of IDPS) expect(compose.services[service]!.expose?.map(String)).toContain(port);
    expect(location).toMatch(new RegExp(`proxy_pass\\s+http://${upstream![1]};`));
  });

  test('terminates TLS and sends X-Forwarded-Proto, -Host and -For', () => {
    expect(nginxConf).toMatch(/listen\s+443\s+ssl/);
    expect(header('X-Forwarded-Proto')).toBe('https');
    expect(header('X-Forwarded-For')).toBe('$proxy_add_x_forwarded_for');
    const issuer = new URL(idpEnvironment('idp1').ISSUER!);
    // The host the instances see must be the issuer's, port included, or their URLs would differ.
    expect(header('X-Forwarded-Host')).toBe(`$host:${issuer.port}`);
    expect(header('Host')).toBe(`$host:${issuer.port}`);
  });
});
