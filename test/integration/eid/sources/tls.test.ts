// Real TLS handshakes against a server that asks for a client certificate and accepts any: the
// certificate source returns exactly what the client presented, leaf and chain, for EC P-384
// and RSA 2048 cards, over TLS 1.2 and 1.3, from node:https and undici clients. And real HTTP
// requests carrying a forwarded certificate, from a peer configured as trusted proxy or not.
import https from 'node:https';
import http from 'node:http';
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Agent, request as undiciRequest } from 'undici';
import { certificateFromTlsSocket } from '../../../../src/eid/sources/tls.ts';
import { createForwardedCertificateReader, type ForwardedCertificateOptions } from '../../../../src/eid/sources/proxy-headers.ts';
import { CertificateRefusedError } from '../../../../src/eid/refusal.ts';
import {
  createHierarchy,
  createSelfSigned,
  createServerCertificate,
  type Hierarchy,
  type IssuedCertificate,
  type KeyKind,
} from '../../../unit/eid/sources/helpers/certificates.ts';

const fingerprint = (der: Buffer) => createHash('sha256').update(der).digest('hex');

interface Seen {
  leaf?: string;
  chain?: string[];
  source?: string;
  none?: true;
  untrusted?: { header: string; peer: string | undefined };
  refused?: string;
}

let serverCertificate: IssuedCertificate;
const hierarchies = new Map<KeyKind, Hierarchy>();
const cards = new Map<KeyKind, IssuedCertificate>();

beforeAll(async () => {
  serverCertificate = await createServerCertificate();
  for (const kind of ['EC P-384', 'RSA 2048'] as const) {
    const pki = await createHierarchy(kind);
    hierarchies.set(kind, pki);
    cards.set(kind, await pki.person(kind));
  }
});

async function listen(server: http.Server, host: string): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function respond(res: http.ServerResponse, seen: Seen): void {
  const body = JSON.stringify(seen);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
}

describe.each(['TLSv1.2', 'TLSv1.3'] as const)('certificate from the TLS handshake (%s)', (version) => {
  let origin: { port: number; close(): Promise<void> };

  beforeAll(async () => {
    const server = https.createServer(
      {
        cert: serverCertificate.pem,
        key: serverCertificate.keyPem,
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: version,
        maxVersion: version,
      },
      (req, res) => {
        const presented = certificateFromTlsSocket(req.socket);
        respond(res, presented ? { leaf: fingerprint(presented.leaf), chain: presented.chain.map(fingerprint), source: presented.source } : { none: true });
      },
    );
    origin = await listen(server, '127.0.0.1');
  });

  afterAll(() => origin.close());

  function viaHttps(client: { cert?: string; key?: string }): Promise<Seen> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: origin.port, servername: 'localhost', path: '/', ca: serverCertificate.pem, agent: false, ...client },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve(JSON.parse(body) as Seen));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  async function viaUndici(client: { cert: string; key: string }): Promise<Seen> {
    const dispatcher = new Agent({ connect: { ...client, ca: serverCertificate.pem, servername: 'localhost' } });
    try {
      const res = await undiciRequest(`https://127.0.0.1:${origin.port}/`, { dispatcher });
      return (await res.body.json()) as Seen;
    } finally {
      await dispatcher.close();
    }
  }

  test.each(['EC P-384', 'RSA 2048'] as const)('a %s card certificate sent with its issuing CA arrives as leaf and chain (node:https)', async (kind) => {
    const card = cards.get(kind)!;
    const issuing = hierarchies.get(kind)!.issuing;
    const seen = await viaHttps({ cert: card.pem + issuing.pem, key: card.keyPem });
    expect(seen).toEqual({ leaf: fingerprint(card.der), chain: [fingerprint(issuing.der)], source: 'tls' });
  });

  test.each(['EC P-384', 'RSA 2048'] as const)('a %s card certificate sent with its issuing CA arrives as leaf and chain (undici)', async (kind) => {
    const card = cards.get(kind)!;
    const issuing = hierarchies.get(kind)!.issuing;
    const seen = await viaUndici({ cert: card.pem + issuing.pem, key: card.keyPem });
    expect(seen).toEqual({ leaf: fingerprint(card.der), chain: [fingerprint(issuing.der)], source: 'tls' });
  });

  test('a leaf sent alone arrives with an empty chain', async () => {
    const card = cards.get('EC P-384')!;
    expect(await viaHttps({ cert: card.pem, key: card.keyPem })).toEqual({ leaf: fingerprint(card.der), chain: [], source: 'tls' });
  });

  test('a chain up to the self-signed root ends at the root, without looping on it', async () => {
    const card = cards.get('EC P-384')!;
    const pki = hierarchies.get('EC P-384')!;
    const seen = await viaHttps({ cert: card.pem + pki.issuing.pem + pki.root.pem, key: card.keyPem });
    expect(seen.chain).toEqual([fingerprint(pki.issuing.der), fingerprint(pki.root.der)]);
  });

  test('a self-signed certificate arrives as a leaf without chain', async () => {
    const selfSigned = await createSelfSigned('EC P-384');
    expect(await viaUndici({ cert: selfSigned.pem, key: selfSigned.keyPem })).toEqual({ leaf: fingerprint(selfSigned.der), chain: [], source: 'tls' });
  });

  test('a client without certificate gets through the handshake and is seen without certificate', async () => {
    expect(await viaHttps({})).toEqual({ none: true });
  });
});

describe('what Node adds or leaves out, which the validator must live with', () => {
  async function originWith(options: https.ServerOptions) {
    const server = https.createServer(
      { cert: serverCertificate.pem, key: serverCertificate.keyPem, requestCert: true, rejectUnauthorized: false, ...options },
      (req, res) => {
        const presented = certificateFromTlsSocket(req.socket);
        respond(res, presented ? { leaf: fingerprint(presented.leaf), chain: presented.chain.map(fingerprint) } : { none: true });
      },
    );
    return listen(server, '127.0.0.1');
  }

  /** Raw TLS connections, so that the second one can resume the first one's session. */
  async function twoConnections(port: number, client: { cert: string; key: string }): Promise<[Seen, Seen]> {
    let session: Buffer | undefined;
    const once = () =>
      new Promise<Seen>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: serverCertificate.pem, ...client, session });
        socket.on('session', (s: Buffer) => (session = s));
        socket.on('secureConnect', () => socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
        let raw = '';
        socket.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        socket.on('end', () => {
          try {
            resolve(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Seen);
          } catch (err) {
            reject(err);
          }
        });
        socket.on('error', reject);
      });
    const first = await once();
    return [first, await once()];
  }

  test("with the server's own ca option, Node links the root from that store onto the client's chain", async () => {
    const card = cards.get('EC P-384')!;
    const pki = hierarchies.get('EC P-384')!;
    const origin = await originWith({ ca: [pki.root.pem] });
    try {
      const [seen] = await twoConnections(origin.port, { cert: card.pem + pki.issuing.pem, key: card.keyPem });
      expect(seen.chain).toEqual([fingerprint(pki.issuing.der), fingerprint(pki.root.der)]);
    } finally {
      await origin.close();
    }
  });

  test('on a resumed TLS session the leaf is still there but the chain the client sent is not', async () => {
    const card = cards.get('EC P-384')!;
    const pki = hierarchies.get('EC P-384')!;
    const origin = await originWith({});
    try {
      const [first, resumed] = await twoConnections(origin.port, { cert: card.pem + pki.issuing.pem, key: card.keyPem });
      expect(first).toEqual({ leaf: fingerprint(card.der), chain: [fingerprint(pki.issuing.der)] });
      expect(resumed).toEqual({ leaf: fingerprint(card.der), chain: [] });
    } finally {
      await origin.close();
    }
  });
});

test('a plain HTTP socket has no TLS certificate', async () => {
  const server = http.createServer((req, res) => respond(res, certificateFromTlsSocket(req.socket) ? {} : { none: true }));
  const plain = await listen(server, '127.0.0.1');
  try {
    const res = await fetch(`http://127.0.0.1:${plain.port}/`);
    expect(await res.json()).toEqual({ none: true });
  } finally {
    await plain.close();
  }
});

describe('certificate forwarded by a proxy over a real HTTP connection from 127.0.0.1', () => {
  async function serve(options: ForwardedCertificateOptions, host = '127.0.0.1') {
    const read = createForwardedCertificateReader(options);
    // Node's default 16 KiB header limit would cut a forwarded chain of several certificates.
    const server = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
      try {
        const result = read(req);
        if ('presented' in result) {
          const { leaf, chain, source } = result.presented;
          respond(res, { leaf: fingerprint(leaf), chain: chain.map(fingerprint), source });
        } else respond(res, result);
      } catch (err) {
        if (!(err instanceof CertificateRefusedError)) throw err;
        respond(res, { refused: err.reason });
      }
    });
    return listen(server, host);
  }

  function send(port: number, headers: http.OutgoingHttpHeaders, host = '127.0.0.1'): Promise<Seen> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host, port, path: '/', headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(JSON.parse(body) as Seen));
      });
      req.on('error', reject);
      req.end();
    });
  }

  test('from a trusted proxy, the nginx header gives the certificate', async () => {
    const card = cards.get('EC P-384')!;
    const origin = await serve({ trustedProxies: ['127.0.0.1'] });
    try {
      expect(await send(origin.port, { 'X-SSL-Client-Cert': encodeURIComponent(card.pem) })).toEqual({
        leaf: fingerprint(card.der),
        chain: [],
        source: 'proxy-header',
      });
    } finally {
      await origin.close();
    }
  });

  test('from a trusted range, RFC 9440 headers give leaf and chain', async () => {
    const card = cards.get('RSA 2048')!;
    const pki = hierarchies.get('RSA 2048')!;
    const origin = await serve({ trustedProxies: ['127.0.0.0/8'] });
    try {
      const seen = await send(origin.port, {
        'Client-Cert': `:${card.der.toString('base64')}:`,
        'Client-Cert-Chain': `:${pki.issuing.der.toString('base64')}:, :${pki.root.der.toString('base64')}:`,
      });
      expect(seen).toEqual({ leaf: fingerprint(card.der), chain: [fingerprint(pki.issuing.der), fingerprint(pki.root.der)], source: 'rfc9440' });
    } finally {
      await origin.close();
    }
  });

  test('on a dual-stack listener the IPv4 peer (::ffff:127.0.0.1) matches a trusted 127.0.0.1 and is reported as 127.0.0.1', async () => {
    const card = cards.get('EC P-384')!;
    const trusting = await serve({ trustedProxies: ['127.0.0.1'] }, '::');
    const distrusting = await serve({ trustedProxies: ['10.0.0.0/8'] }, '::');
    try {
      expect((await send(trusting.port, { 'X-SSL-Client-Cert': encodeURIComponent(card.pem) })).source).toBe('proxy-header');
      expect((await send(distrusting.port, { 'X-SSL-Client-Cert': encodeURIComponent(card.pem) })).untrusted).toEqual({
        header: 'x-ssl-client-cert',
        peer: '127.0.0.1',
      });
    } finally {
      await trusting.close();
      await distrusting.close();
    }
  });

  test('over IPv6 loopback, ::1 trusted as a range', async () => {
    const card = cards.get('EC P-384')!;
    const origin = await serve({ trustedProxies: ['::1/128'] }, '::1');
    try {
      expect((await send(origin.port, { 'X-SSL-Client-Cert': encodeURIComponent(card.pem) }, '::1')).source).toBe('proxy-header');
    } finally {
      await origin.close();
    }
  });

  test('from a peer outside the trusted proxies, the header is ignored and reported', async () => {
    const card = cards.get('EC P-384')!;
    const origin = await serve({ trustedProxies: ['10.0.0.0/8'] });
    try {
      expect(await send(origin.port, { 'X-SSL-Client-Cert': encodeURIComponent(card.pem) })).toEqual({
        untrusted: { header: 'x-ssl-client-cert', peer: '127.0.0.1' },
      });
      expect(await send(origin.port, {})).toEqual({ none: true });
    } finally {
      await origin.close();
    }
  });

  test('from a trusted proxy, two different certificates in repeated header lines are refused', async () => {
    const card = cards.get('EC P-384')!;
    const other = cards.get('RSA 2048')!;
    const origin = await serve({ trustedProxies: ['127.0.0.1'] });
    try {
      const seen = await send(origin.port, { 'X-SSL-Client-Cert': [encodeURIComponent(card.pem), encodeURIComponent(other.pem)] });
      expect(seen).toEqual({ refused: 'malformed_certificate' });
    } finally {
      await origin.close();
    }
  });
});
