// The certificate a TLS-terminating proxy saw and forwarded in a header. Anyone can send such a
// header, so it counts only when the connection comes straight from a configured proxy; from
// anyone else it is ignored and reported, so the caller can audit the attempt.
//
// Formats: nginx `$ssl_client_escaped_cert` (URL-escaped PEM), Apache `%{SSL_CLIENT_CERT}s`
// (PEM whose line breaks became spaces), HAProxy `ssl_c_der,base64` (bare base64 DER), all in
// one header; and RFC 9440 `Client-Cert` / `Client-Cert-Chain` (structured-field byte sequences).
import { X509Certificate } from 'node:crypto';
import { CertificateRefusedError } from '../refusal.ts';
import type { CertificateSource, PresentedCertificate } from '../types.ts';
import { createAddressSet, normaliseAddress } from '../net.ts';

export interface ForwardedCertificateHeaders {
  /** PEM (URL-escaped, space-separated or plain) or bare base64 DER; leaf first. */
  pem: string;
  /** RFC 9440 Client-Cert. */
  clientCert: string;
  /** RFC 9440 Client-Cert-Chain. */
  clientCertChain: string;
}

export const DEFAULT_FORWARDED_CERTIFICATE_HEADERS: Readonly<ForwardedCertificateHeaders> = {
  pem: 'x-ssl-client-cert',
  clientCert: 'client-cert',
  clientCertChain: 'client-cert-chain',
};

export interface ForwardedCertificateOptions {
  /** IP addresses and CIDR ranges of the proxies (config `eid.trustedProxies`). */
  trustedProxies: readonly string[];
  /** Header names, case-insensitive; defaults above. */
  headers?: Partial<ForwardedCertificateHeaders>;
  /** Largest DER accepted per certificate; default 16 KiB. */
  maxCertificateBytes?: number;
  /** Most certificates accepted in total (leaf and chain); default 8. */
  maxCertificates?: number;
}

/** What the reader needs of a node:http IncomingMessage: the peer and every header line apart. */
export interface ForwardingRequest {
  socket: { remoteAddress?: string | undefined };
  headersDistinct: Record<string, string[] | undefined>;
}

export type ForwardedCertificate =
  | { presented: PresentedCertificate }
  /** No certificate header: the proxy saw no client certificate (or none was configured). */
  | { none: true }
  /** A certificate header from a peer that is not a trusted proxy: ignored, to be audited. */
  | { untrusted: { header: string; peer: string | undefined } };

export type ForwardedCertificateReader = (request: ForwardingRequest) => ForwardedCertificate;

const malformed = (detail: string) => new CertificateRefusedError('malformed_certificate', detail);

/** Proxies that saw no certificate send an empty value, Apache an unset variable's "(null)". */
const isAbsent = (value: string) => value.trim() === '' || value.trim() === '(null)';

export function createForwardedCertificateReader(options: ForwardedCertificateOptions): ForwardedCertificateReader {
  const proxies = createAddressSet(options.trustedProxies);
  const names = { ...DEFAULT_FORWARDED_CERTIFICATE_HEADERS, ...options.headers };
  const header = {
    pem: names.pem.toLowerCase(),
    clientCert: names.clientCert.toLowerCase(),
    clientCertChain: names.clientCertChain.toLowerCase(),
  };
  const limits = { bytes: options.maxCertificateBytes ?? 16 * 1024, count: options.maxCertificates ?? 8 };

  return (request) => {
    const lines = (name: string) => (request.headersDistinct[name] ?? []).filter((v) => !isAbsent(v));
    const pem = lines(header.pem);
    const clientCert = lines(header.clientCert);
    const clientCertChain = lines(header.clientCertChain);
    const present = [
      [header.pem, pem],
      [header.clientCert, clientCert],
      [header.clientCertChain, clientCertChain],
    ] as const;
    const first = present.find(([, values]) => values.length > 0);
    if (!first) return { none: true };

    const peer = request.socket.remoteAddress;
    if (!proxies.has(peer)) return { untrusted: { header: first[0], peer: normaliseAddress(peer) ?? peer } };

    const fromPem = pem.length ? parsePemHeader(header.pem, single(header.pem, pem), limits) : undefined;
    if (clientCertChain.length && !clientCert.length) throw malformed(`${header.clientCertChain} without ${header.clientCert}`);
    if (!clientCert.length) return { presented: presented(fromPem!, 'proxy-header') };

    const leaf = parseByteSequenceItem(header.clientCert, single(header.clientCert, clientCert), limits);
    const chain = parseByteSequenceList(header.clientCertChain, clientCertChain, limits);
    if (fromPem && !fromPem[0]!.equals(leaf)) throw malformed(`${header.pem} and ${header.clientCert} carry different certificates`);
    return { presented: presented([leaf, ...(chain.length ? chain : (fromPem?.slice(1) ?? []))], 'rfc9440') };
  };

  function presented(certificates: Buffer[], source: CertificateSource): PresentedCertificate {
    if (certificates.length > limits.count) throw malformed(`${certificates.length} certificates forwarded, at most ${limits.count} accepted`);
    for (const der of certificates) assertCertificate(der);
    return { leaf: certificates[0]!, chain: certificates.slice(1), source };
  }
}

interface Limits {
  bytes: number;
  count: number;
}

/** Repeated lines of a header are accepted only when they say the same thing. */
function single(name: string, values: string[]): string {
  const distinct = new Set(values.map((v) => v.trim()));
  if (distinct.size > 1) throw malformed(`${values.length} conflicting ${name} headers`);
  return [...distinct][0]!;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g;

function parsePemHeader(name: string, value: string, limits: Limits): Buffer[] {
  // Escaping at most triples a character; PEM adds a third to the DER.
  if (value.length > limits.count * limits.bytes * 3) throw malformed(`${name} is too long`);
  let text = value;
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      throw malformed(`${name} has a broken URL escape`);
    }
  }
  if (!text.includes('-----BEGIN')) return [decodeBase64(name, text.replace(/\s+/g, ''), limits)];
  const blocks: Buffer[] = [];
  let covered = 0;
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (text.slice(covered, match.index).trim() !== '') throw malformed(`${name} has text outside its PEM blocks`);
    blocks.push(decodeBase64(name, match[1]!.replace(/\s+/g, ''), limits));
    covered = match.index + match[0].length;
    if (blocks.length > limits.count) throw malformed(`${name} carries more than ${limits.count} certificates`);
  }
  if (!blocks.length || text.slice(covered).trim() !== '') throw malformed(`${name} is not PEM`);
  return blocks;
}

/** RFC 8941 byte sequence `:base64:`, parameters (RFC 9440 defines none) ignored. */
const BYTE_SEQUENCE = /^:([A-Za-z0-9+/]*={0,2}):(?:;[a-z*][a-z0-9_.*-]*(?:=[^;,]*)?)*$/;

function parseByteSequenceItem(name: string, value: string, limits: Limits): Buffer {
  const match = BYTE_SEQUENCE.exec(value.trim());
  if (!match) throw malformed(`${name} is not a structured-field byte sequence`);
  return decodeBase64(name, match[1]!, limits, true);
}

/** An RFC 8941 list may be split over several header lines; their members follow in order. */
function parseByteSequenceList(name: string, lines: string[], limits: Limits): Buffer[] {
  const members = lines.flatMap((line) => line.split(','));
  if (members.length > limits.count) throw malformed(`${name} carries more than ${limits.count} certificates`);
  return members.map((member) => parseByteSequenceItem(name, member, limits));
}

function decodeBase64(name: string, text: string, limits: Limits, paddingOptional = false): Buffer {
  if (text.length > Math.ceil(limits.bytes / 3) * 4) throw malformed(`${name} carries a certificate over ${limits.bytes} bytes`);
  const wellFormed = /^[A-Za-z0-9+/]+={0,2}$/.test(text) && (paddingOptional ? text.replace(/=+$/, '').length % 4 !== 1 : text.length % 4 === 0);
  if (!wellFormed) throw malformed(`${name} is not base64`);
  const der = Buffer.from(text, 'base64');
  if (der.length > limits.bytes) throw malformed(`${name} carries a certificate over ${limits.bytes} bytes`);
  return der;
}

function assertCertificate(der: Buffer): void {
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(der);
  } catch (err) {
    throw new CertificateRefusedError('malformed_certificate', 'forwarded certificate does not parse as X.509', { cause: err });
  }
  // OpenSSL reads the first certificate and ignores what follows; trailing bytes are garbage.
  if (parsed.raw.length !== der.length) throw malformed('forwarded certificate has trailing bytes');
}
