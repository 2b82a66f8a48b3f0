// docker-compose.yml is a deployment we document, so it is checked like code: the provider
// instances are configured only with settings that exist and values loadConfig accepts, and
// nginx really fronts both instances with the forwarded headers they are told to trust.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * The environment as loadConfig sees it inside the container: the eID CA files the operator puts
 * in deploy/eid (mounted at /etc/capacity-idp/eid) stand in as placeholder files here.
 */
const EID_MOUNT = '/etc/capacity-idp/eid/';
const eidFolder = mkdtempSync(join(tmpdir(), 'cidp-compose-eid-'));
function asMounted(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([k, v]) => {
      if (!v.includes(EID_MOUNT)) return [k, v];
      const files = v.split(',').map((path) => join(eidFolder, path.slice(EID_MOUNT.length)));
      for (const file of files) writeFileSync(file, '');
      return [k, files.join(',')];
    }),
  );
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
    const { config } = loadConfig(asMounted(idpEnvironment(service)));
    expect(config.server.tls.mode).toBe('off');
    expect(config.server.trustProxy).toBe(true);
    expect(new URL(config.server.issuer!).protocol).toBe('https:');
    // Inside a container the loopback address is unreachable for nginx.
    expect(config.server.host).toBe('0.0.0.0');
    expect(new URL(config.storage.databaseUrl!).hostname).toBe('postgres');
    expect(new URL(config.storage.redisUrl!).hostname).toBe('redis');
    expect(config.secrets.masterKey).toBe(MASTER_KEY);
  });

  test.each(IDPS)('%s takes eID certificates from nginx only: proxy mode, nginx\'s fixed address trusted, CA files mounted', (service) => {
    const { config } = loadConfig(asMounted(idpEnvironment(service)));
    expect(config.eid.certificateOrigin.mode).toBe('proxy');
    const nginxAddress = (compose.services.nginx as { networks?: Record<string, { ipv4_address?: string }> }).networks?.idp?.ipv4_address;
    expect(config.eid.trustedProxies).toEqual([nginxAddress]);
    expect(compose.services[service]!.volumes).toContain('./deploy/eid:/etc/capacity-idp/eid:ro');
    expect(new URL(config.eid.certificateOrigin.url!).port).toBe('8444');
    expect(compose.services.nginx!.ports).toContain('8444:8444');
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

describe('deploy/nginx.conf, eID certificate origin', () => {
  const servers = nginxConf.split(/^server\s*\{/m).slice(1);
  const main = servers.find((b) => /listen\s+443\s/.test(b)) ?? '';
  const origin = servers.find((b) => /listen\s+8444\s/.test(b)) ?? '';

  test('the main origin never asks for a certificate and blanks any certificate header a browser sends', () => {
    expect(main).not.toMatch(/ssl_verify_client/);
    for (const name of ['X-SSL-Client-Cert', 'Client-Cert', 'Client-Cert-Chain']) expect(main).toMatch(new RegExp(`proxy_set_header\\s+${name}\\s+"";`));
  });

  test('the certificate origin asks for one, leaves validation to the instances, and forwards it escaped', () => {
    expect(origin).toMatch(/ssl_verify_client\s+optional_no_ca;/);
    expect(origin).toMatch(/proxy_set_header\s+X-SSL-Client-Cert\s+\$ssl_client_escaped_cert;/);
    expect(origin).toMatch(/location\s+=\s+\/eid\/authenticate/);
  });
});
