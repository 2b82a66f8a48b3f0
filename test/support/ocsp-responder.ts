// Real revocation services on loopback for tests: OpenSSL's OCSP responder (`openssl ocsp`) behind
// a small HTTP front that counts requests and can replay an old answer, and a tiny HTTP server
// for CRLs. OpenSSL 3.0 traps (see docs/tooling-notes.md): `-port` takes a number only; a bare
// TCP connect-and-close makes the responder spin forever, so readiness is its log line, never a
// port probe; index.txt must not change while it runs (the first answer after a change can be stale).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OcspResponderFiles {
  /** OpenSSL CA database (index.txt). */
  index: string;
  /** PEM of the CA the responder answers for. */
  ca: string;
  /** PEM certificate and key the responses are signed with. */
  signerCert: string;
  signerKey: string;
}

export interface OcspResponder {
  /** Through the counting front; any path (the certificates' AIA says /citizen). */
  url: string;
  /** Requests that reached the front so far. */
  readonly requests: number;
  /**
   * forward: pass each request to openssl. replay: answer with the last response openssl gave,
   * as an attacker replaying a captured answer would (its nonce belongs to another request).
   */
  mode: 'forward' | 'replay';
  /** Puts an openssl responder behind the front, replacing the previous one (other signer or validity). */
  start(files: OcspResponderFiles, options?: OpensslOptions): Promise<void>;
  stop(): Promise<void>;
}

export interface OpensslOptions {
  /** nextUpdate = now + nmin minutes; default 10. */
  nmin?: number;
}

/** A port that was free a moment ago (the responder cannot be given port 0). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts `openssl ocsp` on a fresh port and resolves once it says it is accepting connections. */
async function spawnOpenssl(files: OcspResponderFiles, options: OpensslOptions): Promise<{ child: ChildProcess; port: number }> {
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = ['ocsp', '-index', files.index, '-CA', files.ca, '-rsigner', files.signerCert, '-rkey', files.signerKey];
    args.push('-port', String(port), '-nmin', String(options.nmin ?? 10), '-ignore_err');
    const child = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = await new Promise<boolean>((resolve) => {
      let output = '';
      const onData = (data: Buffer) => {
        output += data.toString();
        if (output.includes('waiting for OCSP client connections')) resolve(true);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', () => {
        lastError = output;
        resolve(false);
      });
      setTimeout(() => {
        lastError = `no readiness line within 5 s: ${output}`;
        resolve(false);
      }, 5000).unref();
    });
    if (ready) return { child, port };
    child.kill('SIGKILL');
  }
  throw new Error(`openssl ocsp did not start: ${lastError}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/**
 * The front listens first so its port can go into the certificates' AIA before they are issued;
 * openssl is attached later with start().
 */
export async function createOcspFront(): Promise<OcspResponder> {
  let backend: { child: ChildProcess; port: number } | undefined;
  let lastResponse: { status: number; type: string; body: Buffer } | undefined;
  let requests = 0;
  const server = http.createServer(async (req, res) => {
    requests++;
    const body = await readBody(req);
    try {
      if (front.mode === 'replay' && lastResponse) {
        res.writeHead(lastResponse.status, { 'content-type': lastResponse.type }).end(lastResponse.body);
        return;
      }
      if (!backend) throw new Error('no responder attached');
      const answer = await fetch(`http://127.0.0.1:${backend.port}/`, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/ocsp-request' },
        body,
      });
      lastResponse = {
        status: answer.status,
        type: answer.headers.get('content-type') ?? 'application/ocsp-response',
        body: Buffer.from(await answer.arrayBuffer()),
      };
      res.writeHead(lastResponse.status, { 'content-type': lastResponse.type }).end(lastResponse.body);
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
  const port = await listen(server);
  const front = {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    mode: 'forward' as 'forward' | 'replay',
    async start(files: OcspResponderFiles, options: OpensslOptions = {}) {
      if (backend) await stopChild(backend.child);
      backend = await spawnOpenssl(files, options);
      lastResponse = undefined;
    },
    async stop() {
      if (backend) await stopChild(backend.child);
      backend = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return front;
}

export interface CrlServer {
  /** Base URL; a CRL put at `/crl/citizen.crl` is at `${url}/crl/citizen.crl`. */
  url: string;
  /** Serves these bytes at this path from now on (undefined: 404). */
  put(path: string, body: Buffer | undefined): void;
  /** GET requests per path so far. */
  requests(path: string): number;
  stop(): Promise<void>;
}

export async function startCrlServer(): Promise<CrlServer> {
  const files = new Map<string, Buffer>();
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const body = files.get(path);
    if (req.method !== 'GET' || !body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': body.length }).end(body);
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    put(path, body) {
      if (body) files.set(path, body);
      else files.delete(path);
    },
    requests: (path) => counts.get(path) ?? 0,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A CRL made by `openssl ca -gencrl` from a CA folder written by writeTestPki (index.txt, ca.pem,
 * ca.key): what a CA running OpenSSL publishes. DER, valid for `hours` from now.
 */
export async function opensslCrl(caDir: string, hours: number): Promise<Buffer> {
  const work = mkdtempSync(join(tmpdir(), 'cidp-crl-'));
  try {
    writeFileSync(join(work, 'crlnumber'), '01\n');
    writeFileSync(
      join(work, 'ca.cnf'),
      [
        '[ ca ]',
        'default_ca = test',
        '[ test ]',
        `database = ${join(caDir, 'index.txt')}`,
        `certificate = ${join(caDir, 'ca.pem')}`,
        `private_key = ${join(caDir, 'ca.key')}`,
        `crlnumber = ${join(work, 'crlnumber')}`,
        'default_md = sha384',
        '',
      ].join('\n'),
    );
    const pem = join(work, 'crl.pem');
    await run('openssl', ['ca', '-config', join(work, 'ca.cnf'), '-gencrl', '-crlhours', String(hours), '-out', pem]);
    await run('openssl', ['crl', '-in', pem, '-outform', 'DER', '-out', join(work, 'crl.der')]);
    return readFileSync(join(work, 'crl.der'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}
