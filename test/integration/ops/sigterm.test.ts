// `capacity-idp serve` as operators run it (what `npm start` runs), as a child process: it
// answers discovery soon after start, and on SIGTERM it stops accepting connections, finishes
// the requests it has, and exits 0.
import { rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { freePort, insecureHttpsGet, pollUntil, spawnServe, type ServeProcess } from '../../support/ops.ts';

const READY = /capacity-idp is ready/;

function connectOutcome(port: number): Promise<'connected' | 'refused' | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve('connected'); });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? err.message)));
  });
}

/** A raw HTTP/1.1 exchange over TLS, so the test decides when each byte is sent. */
class RawTlsRequest {
  readonly #socket: tls.TLSSocket;
  #received = '';
  constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => { this.#received += chunk; });
  }
  static open(port: number): Promise<RawTlsRequest> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => resolve(new RawTlsRequest(socket)));
      socket.once('error', reject);
    });
  }
  write(text: string): void {
    this.#socket.write(text);
  }
  get received(): string {
    return this.#received;
  }
  /** Resolves once a complete Content-Length response has arrived. */
  response(timeoutMs = 5_000): Promise<{ status: number; head: string; body: string }> {
    return pollUntil(
      async () => {
        const split = this.#received.indexOf('\r\n\r\n');
        if (split < 0) return undefined;
        const head = this.#received.slice(0, split);
        const body = this.#received.slice(split + 4);
        const length = /\r\ncontent-length: (\d+)/i.exec(head)?.[1];
        if (length === undefined || Buffer.byteLength(body) < Number(length)) return undefined;
        return { status: Number(head.split(' ')[1]), head, body };
      },
      (r) => r !== undefined,
      { timeoutMs, intervalMs: 20 },
    ).then(({ value }) => value!);
  }
  destroy(): void {
    this.#socket.destroy();
  }
}

describe('capacity-idp serve as a process', () => {
  const children: ServeProcess[] = [];
  const sockets: RawTlsRequest[] = [];
  const dataDir = join(tmpdir(), `cidp-ops-start-${process.pid}-${Date.now()}`);

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(children.map((c) => c.kill()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the npm start command answers discovery within seconds of starting, on a fresh data folder', async () => {
    const port = await freePort();
    const started = Date.now();
    const serve = spawnServe({ PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    children.push(serve);
    const { value, elapsedMs } = await pollUntil(
      () => insecureHttpsGet(`https://localhost:${port}/.well-known/openid-configuration`),
      (r) => r.status === 200,
      { timeoutMs: 25_000, intervalMs: 100 },
    );
    console.info(`discovery answered ${Date.now() - started} ms after spawning (${elapsedMs} ms of polling)`);
    expect(JSON.parse(value.body)).toMatchObject({ issuer: `https://localhost:${port}` });
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  }, 30_000);

  test('SIGTERM: new connections refused, the in-flight request gets its full answer, exit code 0', async () => {
    const port = await freePort();
    const serve = spawnServe({ PORT: String(port), IN_MEMORY: 'true', LOG_LEVEL: 'info', SHUTDOWN_GRACE_SECONDS: '10' });
    children.push(serve);
    await serve.waitForOutput(READY, 20_000);
    // The demo client's secret is shown once in the start-up banner.
    const demoSecret = /demo-service\W+(?:secret\W+)?([A-Za-z0-9_-]{32,})/;
    await serve.waitForOutput(demoSecret);
    const secret = demoSecret.exec(serve.output())![1]!;

    const body = new URLSearchParams({ grant_type: 'client_credentials' }).toString();
    const half = Math.floor(body.length / 2);
    const request = await RawTlsRequest.open(port);
    sockets.push(request);
    request.write(
      [
        'POST /token HTTP/1.1',
        `Host: localhost:${port}`,
        `Authorization: Basic ${Buffer.from(`demo-service:${secret}`).toString('base64')}`,
        'Content-Type: application/x-www-form-urlencoded',
        'Accept: application/json',
        `Content-Length: ${body.length}`,
        '',
        body.slice(0, half),
      ].join('\r\n'),
    );
    // Let the server parse the headers, so the request is in flight rather than an idle socket.
    await new Promise((r) => setTimeout(r, 300));
    expect(request.received).toBe('');

    serve.child.kill('SIGTERM');
    await serve.waitForOutput(/stopping: finishing in-flight requests/, 5_000);
    await pollUntil(() => connectOutcome(port), (o) => o === 'refused', { timeoutMs: 3_000, intervalMs: 50 });
    expect(serve.child.exitCode).toBeNull();

    request.write(body.slice(half));
    const answer = await request.response();
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer' });
    // The answer ends the connection, so the process need not wait for the keep-alive timeout.
    expect(answer.head).toMatch(/\r\nconnection: close/i);

    const exitStarted = Date.now();
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    const exitMs = Date.now() - exitStarted;
    console.info(`exited ${exitMs} ms after the in-flight answer`);
    expect(exitMs).toBeLessThan(3_000);
    expect(serve.output()).toMatch(/"msg":"stopped"/);
  }, 30_000);
});
