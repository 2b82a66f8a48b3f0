// The certificates eID logins may chain to: configured root CAs (anchors) and the Citizen and
// Foreigner CAs a browser may not send (intermediates). Loaded once at start; a file that is
// missing or holds no certificate stops the start with its path in the message.
import { readFileSync } from 'node:fs';
import { CertificateRefusedError } from '../refusal.ts';
import { parseCertificate, pemCertificates, type ParsedCertificate } from '../certificate.ts';

export class TrustStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrustStoreError';
  }
}

export interface TrustStore {
  anchors: readonly ParsedCertificate[];
  intermediates: readonly ParsedCertificate[];
}

function parseTrusted(der: Buffer, origin: string): ParsedCertificate {
  try {
    const cert = parseCertificate(der);
    if (!cert.basicConstraints?.ca) throw new TrustStoreError(`${origin}: "${cert.subject.text}" is not a CA certificate`);
    return cert;
  } catch (err) {
    if (err instanceof CertificateRefusedError) throw new TrustStoreError(`${origin}: ${err.detail}`, { cause: err });
    throw err;
  }
}

function unique(certs: ParsedCertificate[]): ParsedCertificate[] {
  const seen = new Set<string>();
  return certs.filter((c) => !seen.has(c.sha256) && seen.add(c.sha256));
}

/** From certificates in memory (DER buffers or PEM strings, several per PEM allowed): for tests and the demo PKI. */
export function trustStoreFromCertificates(input: { anchors: (Buffer | string)[]; intermediates?: (Buffer | string)[] }): TrustStore {
  const expand = (items: (Buffer | string)[]) =>
    items.flatMap((item) => (typeof item === 'string' ? pemCertificates(item) : item.subarray(0, 11).toString('latin1') === '-----BEGIN ' ? pemCertificates(item.toString('latin1')) : [item]));
  const anchors = unique(expand(input.anchors).map((der, i) => parseTrusted(der, `trust anchor #${i + 1}`)));
  if (anchors.length === 0) throw new TrustStoreError('no trust anchor given');
  const intermediates = unique(expand(input.intermediates ?? []).map((der, i) => parseTrusted(der, `intermediate #${i + 1}`)));
  return { anchors, intermediates };
}

function readCertificateFile(path: string): ParsedCertificate[] {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (err) {
    throw new TrustStoreError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const text = content.toString('latin1');
  const ders = text.includes('-----BEGIN CERTIFICATE-----') ? pemCertificates(text) : [content];
  if (ders.length === 0) throw new TrustStoreError(`${path}: no certificate found`);
  return ders.map((der) => parseTrusted(der, path));
}

/** From PEM (or DER) files as named by eid.trustAnchors and eid.intermediates. */
export function loadTrustStore(files: { anchors: string[]; intermediates: string[] }): TrustStore {
  const anchors = unique(files.anchors.flatMap(readCertificateFile));
  if (anchors.length === 0) throw new TrustStoreError('no trust anchor configured (eid.trustAnchors)');
  return { anchors, intermediates: unique(files.intermediates.flatMap(readCertificateFile)) };
}
