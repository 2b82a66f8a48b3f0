// Helpers for the operations suites: a provider instance in this process (for outage tests that
// need its seeded secrets), the CLI as a child process (for exit codes, signals and stdout), and
// bounded polling. Every wait here has a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';

export { freePort } from './tcp-proxy.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export const randomMasterKey = (): string => randomBytes(32).toString('base64');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls probe until accept says yes, at most timeoutMs. Returns the accepted value and how long
 * it took; throws with the last value seen when the deadline passes.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 10_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<{ value: T; elapsedMs: number }> {
  const started = Date.now();
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      last = await probe();
      if (accept(last)) return { value: last, elapsedMs: Date.now() - started };
    } catch (err) {
      lastError = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ''}`);
}

export interface InProcessServer {
  server: RunningServer;
  /** Base URL (the issuer: plain HTTP on localhost). */
  base: string;
  close(): Promise<void>;
}

/** A provider in this process over plain HTTP, configured only by `env` (never the test's own). */
export async function startInProcess(env: Record<string, string>): Promise<InProcessServer> {
  const loaded = loadConfig({ TLS_MODE: 'off', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', ...env });
  const server = await startServer(loaded, { processMetrics: false });
  return { server, base: server.issuer, close: () => server.close() };
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function json(response: Response): Promise<JsonAnswer> {
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { unparsed: text };
  }
  return { status: response.status, headers: response.headers, body };
}

/** POST /token, grant_type=client_credentials, client_secret_basic. */
export async function clientCredentials(base: string, clientId: string, secret: string, extra: Record<string, string> = {}): Promise<JsonAnswer> {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  return json(
    await fetch(`${base}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...extra }).toString(),
    }),
  );
}

export async function getJson(url: string): Promise<JsonAnswer> {
  return json(await fetch(url, { headers: { accept: 'application/json' } }));
}

/** A GET as a browser would send it: HTML preferred, redirects not followed. */
export async function browserGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, { headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8', ...headers }, redirect: 'manual' });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** GET over HTTPS trusting any certificate (the self-signed one of embedded mode). */
export function insecureHttpsGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Environment for a child process: only what is given, plus what Node needs to run. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `capacity-idp <args>` to completion (killed after timeoutMs). */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 15_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

export interface ServeProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves when the output matches, rejects after timeoutMs or when the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running; safe to call in afterAll. */
  kill(): Promise<void>;
}

/** Spawns `node src/cli/main.ts serve` (what `npm start` runs). */
export function spawnServe(env: Record<string, string>): ServeProcess {
  const child = spawn(process.execPath, [CLI, 'serve'], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (c: Buffer) => {
    output += c.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const l of listeners) l();
    });
  });
  return {
    child,
    output: () => output,
    waitForOutput(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) {
            done();
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
