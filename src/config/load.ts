// Layers, lowest first: config/default.yaml, the optional file named by CAPACITY_IDP_CONFIG,
// then environment variables. The merged result is validated once; every problem is reported
// with the setting's file path, its environment variable and a valid example.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { ZodError } from 'zod';
import { CONFIG_FILE_ENV, configSchema, settingDocs, type Config } from './schema.ts';

export interface ConfigProblem {
  setting: string;
  env?: string;
  problem: string;
  example?: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.env ? `${p.setting} (env ${p.env})` : p.setting;
  const example = p.example ? `; for example: ${p.example}` : '';
  return `invalid setting ${where}: ${p.problem}${example}`;
}

export type Source = 'default' | 'file' | 'env';

export interface LoadedConfig {
  config: Config;
  /** Where each documented setting's value came from. */
  sources: Record<string, Source>;
  file?: string;
}

const DEFAULTS_FILE = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

type Tree = Record<string, unknown>;

function readTree(file: string, setting: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ setting, env: CONFIG_FILE_ENV, problem: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, example: './config/production.yaml' }]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError([{ setting, env: CONFIG_FILE_ENV, problem: `${file} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}` }]);
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([{ setting, env: CONFIG_FILE_ENV, problem: `${file} must hold a mapping of settings` }]);
  }
  return parsed as Tree;
}

function getPath(tree: Tree, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Tree)[key] : undefined), tree);
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object') node[key] = {};
    node = node[key] as Tree;
  }
  node[keys.at(-1)!] = value;
}

function deepMerge(target: Tree, source: Tree): Tree {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && existing && typeof existing === 'object') {
      deepMerge(existing as Tree, value as Tree);
    } else {
      target[key] = value;
    }
  }
  return target;
}

function zodProblems(error: ZodError): ConfigProblem[] {
  return error.issues.map((issue) => {
    // A bad list item is reported against its setting, naming the item.
    const index = issue.path.findIndex((p) => typeof p === 'number');
    const path = (index >= 0 ? issue.path.slice(0, index) : issue.path).join('.');
    const doc = settingDocs.find((d) => d.path === path);
    let problem = index >= 0 ? `item ${Number(issue.path[index]) + 1}: ${issue.message}` : issue.message;
    if (issue.code === 'unrecognized_keys') {
      problem = `unknown setting(s) ${issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(', ')}`;
    }
    return { setting: path || '(root)', env: doc?.env, problem, example: doc?.example };
  });
}

/** Cross-setting rules that a single field's schema cannot express. */
function checkCombinations(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const doc = (path: string) => settingDocs.find((d) => d.path === path)!;
  if (config.storage.databaseUrl && !config.secrets.masterKey) {
    const d = doc('secrets.masterKey');
    problems.push({ setting: d.path, env: d.env, problem: 'is required when storage.databaseUrl is set, so that every instance decrypts the same keys', example: 'the output of: openssl rand -base64 32' });
  }
  if (config.server.tls.mode === 'files') {
    for (const path of ['server.tls.certFile', 'server.tls.keyFile'] as const) {
      if (!getPath(config as unknown as Tree, path)) {
        const d = doc(path);
        problems.push({ setting: d.path, env: d.env, problem: 'is required when server.tls.mode is files', example: d.example });
      }
    }
  }
  if (config.eid.certificateOrigin.mode === 'proxy' && config.eid.trustedProxies.length === 0) {
    const d = doc('eid.trustedProxies');
    problems.push({ setting: d.path, env: d.env, problem: 'must name the TLS proxy when eid.certificateOrigin.mode is proxy; otherwise every forwarded certificate would be ignored', example: d.example });
  }
  const files: [string, string[]][] = [
    ['server.tls.certFile', config.server.tls.mode === 'files' && config.server.tls.certFile ? [config.server.tls.certFile] : []],
    ['server.tls.keyFile', config.server.tls.mode === 'files' && config.server.tls.keyFile ? [config.server.tls.keyFile] : []],
    ['eid.trustAnchors', config.eid.trustAnchors],
    ['eid.intermediates', config.eid.intermediates],
  ];
  for (const [path, list] of files) {
    for (const file of list) {
      if (!existsSync(file)) {
        const d = doc(path);
        problems.push({ setting: d.path, env: d.env, problem: `names ${file}, which does not exist or cannot be read`, example: d.example });
      }
    }
  }
  if (config.server.issuer) {
    const issuer = new URL(config.server.issuer);
    if (issuer.search || issuer.hash) {
      const d = doc('server.issuer');
      problems.push({ setting: d.path, env: d.env, problem: 'must not have a query or fragment', example: d.example });
    }
  }
  return problems;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const tree = readTree(DEFAULTS_FILE, 'config/default.yaml');
  const sources: Record<string, Source> = {};
  for (const d of settingDocs) if (getPath(tree, d.path) !== undefined) sources[d.path] = 'default';

  const file = env[CONFIG_FILE_ENV];
  if (file) {
    const fileTree = readTree(file, 'config file');
    deepMerge(tree, fileTree);
    for (const d of settingDocs) if (getPath(fileTree, d.path) !== undefined) sources[d.path] = 'file';
  }
  for (const d of settingDocs) {
    const value = env[d.env];
    if (value !== undefined && value !== '') {
      setPath(tree, d.path, value);
      sources[d.path] = 'env';
    }
  }

  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error));
  const problems = checkCombinations(parsed.data);
  if (problems.length) throw new ConfigError(problems);
  return { config: parsed.data, sources, ...(file ? { file } : {}) };
}

/** The effective configuration as a flat list, secrets replaced, for `config check`. */
export function describeConfig(loaded: LoadedConfig): { setting: string; env: string; value: string; source: string }[] {
  return settingDocs.map((d) => {
    const raw = getPath(loaded.config as unknown as Tree, d.path);
    let value = raw === undefined ? '(unset)' : String(raw);
    if (d.secret && raw !== undefined) value = redactSecret(d.path, String(raw));
    return { setting: d.path, env: d.env, value, source: loaded.sources[d.path] ?? 'default' };
  });
}

function redactSecret(path: string, value: string): string {
  // URLs keep their scheme, host and database so an operator can see where they point.
  if (path.endsWith('Url')) {
    try {
      const u = new URL(value);
      if (u.password) u.password = '*****';
      return u.toString();
    } catch {
      return '*****';
    }
  }
  return '*****';
}
