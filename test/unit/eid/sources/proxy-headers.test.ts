// A certificate forwarded by a TLS-terminating proxy counts only when the connection comes from
// a trusted proxy, in any of the formats proxies use; anything doubtful is refused as malformed.
import { createHash } from 'node:crypto';
import { CertificateRefusedError } from '../../../../src/eid/refusal.ts';
import {
  createForwardedCertificateReader,
  type ForwardedCertificate,
  type ForwardingRequest,
} from '../../../../src/eid/sources/proxy-headers.ts';
import { createHierarchy, type Hierarchy, type IssuedCertificate } from './helpers/certificates.ts';

let pki: Hierarchy;
let person: IssuedCertificate;

beforeAll(async () => {
  pki = await createHierarchy('EC P-384');
  person = await pki.person('EC P-384');
});

const request = (remoteAddress: string | undefined, headers: Record<string, string | string[]>): ForwardingRequest => ({
  socket: { remoteAddress },
  headersDistinct: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]])),
});

const nginxEscaped = (pem: string) => encodeURIComponent(pem);
const apacheStyle = (pem: string) => pem.trim().replace(/\n/g, ' ');
const byteSequence = (der: Buffer) => `:${der.toString('base64')}:`;
const fingerprint = (der: Buffer) => createHash('sha256').update(der).digest('hex');

const read = createForwardedCertificateReader({ trustedProxies: ['10.0.0.5', '192.168.0.0/16', 'fd00::/8'] });

function presented(result: ForwardedCertificate) {
  if (!('presented' in result)) throw new Error(`expected a certificate, got ${JSON.stringify(result)}`);
  return result.presented;
}

function refusal(fn: () => unknown): CertificateRefusedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CertificateRefusedError) return err;
    throw err;
  }
  throw new Error('expected a CertificateRefusedError');
}

describe('from a trusted proxy', () => {
  test("nginx's $ssl_client_escaped_cert (URL-escaped PEM) gives the leaf", () => {
    const result = presented(read(request('10.0.0.5', { 'X-SSL-Client-Cert': nginxEscaped(person.pem) })));
    expect(result.leaf.equals(person.der)).toBe(true);
    expect(result.chain).toEqual([]);
    expect(result.source).toBe('proxy-header');
  });

  test('Apache-style PEM with spaces for line breaks gives the leaf', () => {
    const result = presented(read(request('192.168.4.7', { 'x-ssl-client-cert': apacheStyle(person.pem) })));
    expect(fingerprint(result.leaf)).toBe(fingerprint(person.der));
  });

  test('plain PEM blocks after the leaf become the chain, issuing CA first', () => {
    const result = presented(read(request('10.0.0.5', { 'x-ssl-client-cert': nginxEscaped(person.pem + pki.issuing.pem) })));
    expect(result.chain.map(fingerprint)).toEqual([fingerprint(pki.issuing.der)]);
  });

  test('bare base64 DER (HAProxy ssl_c_der,base64) gives the leaf', () => {
    const result = presented(read(request('10.0.0.5', { 'x-ssl-client-cert': person.der.toString('base64') })));
    expect(result.leaf.equals(person.der)).toBe(true);
  });

  test('RFC 9440 Client-Cert and Client-Cert-Chain give leaf and chain', () => {
    const result = presented(
      read(
        request('10.0.0.5', {
          'Client-Cert': byteSequence(person.der),
          'Client-Cert-Chain': `${byteSequence(pki.issuing.der)}, ${byteSequence(pki.root.der)}`,
        }),
      ),
    );
    expect(result.source).toBe('rfc9440');
    expect(result.leaf.equals(person.der)).toBe(true);
    expect(result.chain.map(fingerprint)).toEqual([fingerprint(pki.issuing.der), fingerprint(pki.root.der)]);
  });

  test('a Client-Cert-Chain split over several header lines keeps its order', () => {
    const result = presented(
      read(
        request('10.0.0.5', {
          'client-cert': byteSequence(person.der),
          'client-cert-chain': [byteSequence(pki.issuing.der), byteSequence(pki.root.der)],
        }),
      ),
    );
    expect(result.chain.map(fingerprint)).toEqual([fingerprint(pki.issuing.der), fingerprint(pki.root.der)]);
  });

  test('a byte sequence without base64 padding and with parameters is still read', () => {
    const b64 = person.der.toString('base64').replace(/=+$/, '');
    const result = presented(read(request('10.0.0.5', { 'client-cert': `:${b64}:;origin=edge` })));
    expect(result.leaf.equals(person.der)).toBe(true);
  });

  test('the same leaf in both header styles is accepted', () => {
    const result = presented(
      read(request('10.0.0.5', { 'x-ssl-client-cert': nginxEscaped(person.pem), 'client-cert': byteSequence(person.der) })),
    );
    expect(result.leaf.equals(person.der)).toBe(true);
  });

  test('the same header repeated with the same value is accepted', () => {
    const escaped = nginxEscaped(person.pem);
    expect(presented(read(request('10.0.0.5', { 'x-ssl-client-cert': [escaped, escaped] }))).leaf.equals(person.der)).toBe(true);
  });

  test('no certificate header, an empty one or Apache\'s "(null)" means no certificate', () => {
    expect(read(request('10.0.0.5', {}))).toEqual({ none: true });
    expect(read(request('10.0.0.5', { 'x-ssl-client-cert': '' }))).toEqual({ none: true });
    expect(read(request('10.0.0.5', { 'x-ssl-client-cert': '(null)' }))).toEqual({ none: true });
  });

  test('an IPv4 peer reported by a dual-stack socket as ::ffff:a.b.c.d is recognised', () => {
    expect('presented' in read(request('::ffff:10.0.0.5', { 'x-ssl-client-cert': nginxEscaped(person.pem) }))).toBe(true);
  });

  test('an IPv6 proxy inside a configured IPv6 range is trusted', () => {
    expect('presented' in read(request('fd00::2', { 'x-ssl-client-cert': nginxEscaped(person.pem) }))).toBe(true);
  });

  test('header names are configurable', () => {
    const custom = createForwardedCertificateReader({ trustedProxies: ['10.0.0.5'], headers: { pem: 'SSL-Client-PEM' } });
    expect('presented' in custom(request('10.0.0.5', { 'ssl-client-pem': nginxEscaped(person.pem) }))).toBe(true);
    expect(custom(request('10.0.0.5', { 'x-ssl-client-cert': nginxEscaped(person.pem) }))).toEqual({ none: true });
  });
});

describe('from anyone else', () => {
  test('a certificate header is ignored and reported with the header name and the peer', () => {
    expect(read(request('203.0.113.9', { 'x-ssl-client-cert': nginxEscaped(person.pem) }))).toEqual({
      untrusted: { header: 'x-ssl-client-cert', peer: '203.0.113.9' },
    });
  });

  test('the peer is reported normalised, and an RFC 9440 header is reported the same way', () => {
    expect(read(request('::ffff:172.16.0.1', { 'client-cert': byteSequence(person.der) }))).toEqual({
      untrusted: { header: 'client-cert', peer: '172.16.0.1' },
    });
  });

  test('even garbage is only reported, not parsed', () => {
    expect(read(request('203.0.113.9', { 'x-ssl-client-cert': '%%%garbage' }))).toEqual({
      untrusted: { header: 'x-ssl-client-cert', peer: '203.0.113.9' },
    });
  });

  test('a request without certificate headers is simply without certificate', () => {
    expect(read(request('203.0.113.9', {}))).toEqual({ none: true });
  });

  test('a connection without a known peer address is not trusted', () => {
    expect('untrusted' in read(request(undefined, { 'x-ssl-client-cert': nginxEscaped(person.pem) }))).toBe(true);
  });

  test('with no trusted proxies configured, every certificate header is ignored', () => {
    const none = createForwardedCertificateReader({ trustedProxies: [] });
    expect('untrusted' in none(request('127.0.0.1', { 'x-ssl-client-cert': nginxEscaped(person.pem) }))).toBe(true);
  });
});

describe('refused as malformed_certificate from a trusted proxy', () => {
  const cases: [string, Record<string, string | string[]>][] = [
    ['text that is not PEM', { 'x-ssl-client-cert': 'hello world' }],
    ['a broken URL escape', { 'x-ssl-client-cert': '%E0%A4%A' }],
    ['text around the PEM block', { 'x-ssl-client-cert': 'junk ' + apacheStyle('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----') }],
    ['a PEM block that is not a certificate', { 'x-ssl-client-cert': apacheStyle('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----') }],
    ['a Client-Cert that is not a byte sequence', { 'client-cert': 'MIIB' }],
    ['a Client-Cert with a character outside base64', { 'client-cert': ':ab$d:' }],
    ['a Client-Cert-Chain without Client-Cert', { 'client-cert-chain': ':AAAA:' }],
    ['an empty member in Client-Cert-Chain', { 'client-cert': ':AAAA:', 'client-cert-chain': ':AAAA:,' }],
  ];
  test.each(cases)('%s', (_name, headers) => {
    expect(refusal(() => read(request('10.0.0.5', headers))).reason).toBe('malformed_certificate');
  });

  test('a certificate with bytes appended', () => {
    const padded = Buffer.concat([person.der, Buffer.from([0, 0, 0])]);
    expect(refusal(() => read(request('10.0.0.5', { 'client-cert': byteSequence(padded) }))).detail).toMatch(/trailing/);
  });

  test('a truncated certificate', () => {
    const truncated = person.der.subarray(0, person.der.length - 10);
    expect(refusal(() => read(request('10.0.0.5', { 'client-cert': byteSequence(truncated) }))).reason).toBe('malformed_certificate');
  });

  test('two different certificates in repeated headers', async () => {
    const other = await pki.person('EC P-384', 'Bob Test (Authentication)');
    const err = refusal(() => read(request('10.0.0.5', { 'x-ssl-client-cert': [nginxEscaped(person.pem), nginxEscaped(other.pem)] })));
    expect(err.detail).toMatch(/conflicting/);
  });

  test('different leaves in the PEM header and in Client-Cert', async () => {
    const other = await pki.person('EC P-384', 'Bob Test (Authentication)');
    const err = refusal(() => read(request('10.0.0.5', { 'x-ssl-client-cert': nginxEscaped(person.pem), 'client-cert': byteSequence(other.der) })));
    expect(err.detail).toMatch(/different/);
  });

  test('a certificate over the size limit', () => {
    const small = createForwardedCertificateReader({ trustedProxies: ['10.0.0.5'], maxCertificateBytes: 256 });
    expect(person.der.length).toBeGreaterThan(256);
    expect(refusal(() => small(request('10.0.0.5', { 'client-cert': byteSequence(person.der) }))).detail).toMatch(/over 256 bytes/);
    expect(refusal(() => small(request('10.0.0.5', { 'x-ssl-client-cert': nginxEscaped(person.pem) }))).detail).toMatch(/over 256 bytes/);
  });

  test('more certificates than the limit (8 by default)', () => {
    const nine = Array.from({ length: 8 }, () => byteSequence(pki.issuing.der)).join(', ');
    expect(refusal(() => read(request('10.0.0.5', { 'client-cert': byteSequence(person.der), 'client-cert-chain': nine }))).detail).toMatch(/at most 8|more than 8/);
    const ninePem = nginxEscaped(person.pem + pki.issuing.pem.repeat(8));
    expect(refusal(() => read(request('10.0.0.5', { 'x-ssl-client-cert': ninePem }))).detail).toMatch(/more than 8/);
  });

  test('a header far longer than any certificate chain, before any decoding', () => {
    expect(refusal(() => read(request('10.0.0.5', { 'x-ssl-client-cert': 'A'.repeat(8 * 16 * 1024 * 3 + 1) }))).detail).toMatch(/too long/);
  });
});
