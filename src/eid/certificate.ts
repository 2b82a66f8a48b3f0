// Reads an X.509 certificate (DER or PEM) into the typed view the eID validator works with.
// Anything that cannot be read, or is larger than a certificate has any reason to be, is refused
// as malformed_certificate before any other work is done on it.
import 'reflect-metadata';
import { X509Certificate as NodeX509Certificate, createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CertificateRefusedError } from './refusal.ts';

x509.cryptoProvider.set(webcrypto as never);

/** Real eID certificates are 1-2 KiB; 16 KiB leaves room for any honest certificate. */
export const MAX_CERTIFICATE_BYTES = 16 * 1024;
/** A leaf plus issuing CA plus root is 3; anything much longer is not an eID chain. */
export const MAX_CHAIN_CERTIFICATES = 8;

export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_NAMES)[number];

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.6': 'C',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'GN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** Extensions the validator understands; an unknown critical extension must make it refuse (RFC 5280 §4.2). */
export const UNDERSTOOD_EXTENSIONS = new Set([
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.19', // basicConstraints
  '2.5.29.37', // extKeyUsage
  '2.5.29.32', // certificatePolicies
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.17', // subjectAltName
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
  '1.3.6.1.5.5.7.1.3', // qcStatements
]);

export interface NameAttribute {
  /** Short name (C, CN, SN, GN, serialNumber, ...) or the OID when there is none. */
  type: string;
  oid: string;
  value: string;
}

export interface DistinguishedName {
  attributes: NameAttribute[];
  /** `C=BE, CN=..., serialNumber=...` in certificate order. */
  text: string;
  der: Buffer;
}

export interface PublicKeyInfo {
  /** Node's asymmetricKeyType: 'ec', 'rsa', 'rsa-pss', 'ed25519', ... */
  type: string;
  /** EC curve as NIST name when known (P-256, P-384, P-521), else OpenSSL's name. */
  curve?: string;
  /** RSA modulus length. */
  bits?: number;
}

export interface ParsedCertificate {
  der: Buffer;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  /** Uppercase hex without leading zero bytes. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** Absent when the certificate has no basicConstraints extension. */
  basicConstraints?: { ca: boolean; pathLength?: number; critical: boolean };
  keyUsage?: { usages: KeyUsageName[]; critical: boolean };
  /** EKU OIDs; absent when the certificate has no EKU extension. */
  extendedKeyUsage?: string[];
  policies: string[];
  ocspUrls: string[];
  caIssuersUrls: string[];
  crlUrls: string[];
  subjectKeyIdentifier?: string;
  authorityKeyIdentifier?: string;
  publicKey: PublicKeyInfo;
  /** Lowercase hex SHA-256 over the DER. */
  sha256: string;
  /** Subject and issuer names are equal (self-issued; a root if it also verifies with its own key). */
  selfIssued: boolean;
  criticalExtensions: string[];
  /** Node's view, for signature checks. */
  x509: NodeX509Certificate;
}

function malformed(detail: string, cause?: unknown): CertificateRefusedError {
  return new CertificateRefusedError('malformed_certificate', detail, cause === undefined ? undefined : { cause });
}

/** Length of the outer DER SEQUENCE, so trailing bytes and truncation are both caught. */
function derLength(der: Buffer): number {
  if (der.length < 2 || der[0] !== 0x30) throw malformed('not a DER certificate (no outer SEQUENCE)');
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 3 || der.length < 2 + octets) throw malformed('bad DER length');
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + der[2 + i]!;
  return 2 + octets + length;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;

/** All certificates (DER) in a PEM text, in order. */
export function pemCertificates(pem: string): Buffer[] {
  return [...pem.matchAll(PEM_CERTIFICATE)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** DER from a DER buffer, a PEM buffer or a PEM string holding exactly one certificate. */
export function certificateDer(input: Buffer | string): Buffer {
  const looksPem = typeof input === 'string' || input.subarray(0, 64).toString('latin1').includes('-----BEGIN');
  if (!looksPem) return input as Buffer;
  const text = typeof input === 'string' ? input : input.toString('latin1');
  if (text.length > MAX_CERTIFICATE_BYTES * 2) throw malformed(`PEM input over ${MAX_CERTIFICATE_BYTES * 2} characters`);
  const ders = pemCertificates(text);
  if (ders.length !== 1) throw malformed(ders.length === 0 ? 'no PEM certificate found' : 'more than one PEM certificate where one was expected');
  return ders[0]!;
}

function readName(name: x509.Name): DistinguishedName {
  const attributes: NameAttribute[] = [];
  for (const rdn of name.toJSON()) {
    for (const [key, values] of Object.entries(rdn)) {
      const oid = /^\d+(\.\d+)+$/.test(key) ? key : oidOf(key);
      for (const value of values) attributes.push({ type: ATTRIBUTE_NAMES[oid] ?? oid, oid, value: value.normalize('NFC') });
    }
  }
  return {
    attributes,
    text: attributes.map((a) => `${a.type}=${a.value}`).join(', '),
    der: Buffer.from(name.toArrayBuffer()),
  };
}

// @peculiar/x509 reports well-known attributes by its own short names; map them back to OIDs.
const PECULIAR_NAMES: Record<string, string> = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  G: '2.5.4.42',
  GN: '2.5.4.42',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  E: '1.2.840.113549.1.9.1',
  DC: '0.9.2342.19200300.100.1.25',
  T: '2.5.4.12',
  I: '2.5.4.43',
  serialNumber: '2.5.4.5',
};

function oidOf(shortName: string): string {
  const oid = PECULIAR_NAMES[shortName];
  if (!oid) throw malformed(`unknown name attribute ${shortName}`);
  return oid;
}

function curveName(openssl: string | undefined): string | undefined {
  if (openssl === 'secp384r1') return 'P-384';
  if (openssl === 'prime256v1') return 'P-256';
  if (openssl === 'secp521r1') return 'P-521';
  return openssl;
}

function urls(names: x509.GeneralName[] | undefined): string[] {
  return (names ?? []).filter((n) => n.type === 'url').map((n) => n.value);
}

function extensionOf<T extends x509.Extension>(cert: x509.X509Certificate, type: new (raw: ArrayBuffer) => T, oid: string): T | undefined {
  const raw = cert.extensions.find((e) => e.type === oid);
  if (!raw) return undefined;
  try {
    return new type(raw.rawData);
  } catch (err) {
    throw malformed(`unreadable extension ${oid}`, err);
  }
}

/** Parses one certificate; throws CertificateRefusedError('malformed_certificate') on anything unreadable. */
export function parseCertificate(input: Buffer | string): ParsedCertificate {
  const der = certificateDer(input);
  if (der.length === 0) throw malformed('empty certificate');
  if (der.length > MAX_CERTIFICATE_BYTES) throw malformed(`certificate of ${der.length} bytes is over the ${MAX_CERTIFICATE_BYTES}-byte limit`);
  const expected = derLength(der);
  if (expected > der.length) throw malformed(`truncated: ${der.length} of ${expected} bytes`);
  if (expected < der.length) throw malformed(`${der.length - expected} bytes after the certificate`);

  let cert: x509.X509Certificate;
  let node: NodeX509Certificate;
  try {
    cert = new x509.X509Certificate(der);
    node = new NodeX509Certificate(der);
  } catch (err) {
    throw malformed('not a readable X.509 certificate', err);
  }
  try {
    const oids = cert.extensions.map((e) => e.type);
    if (new Set(oids).size !== oids.length) throw malformed('an extension appears twice');
    const bc = extensionOf(cert, x509.BasicConstraintsExtension, '2.5.29.19');
    const ku = extensionOf(cert, x509.KeyUsagesExtension, '2.5.29.15');
    const eku = extensionOf(cert, x509.ExtendedKeyUsageExtension, '2.5.29.37');
    const policies = extensionOf(cert, x509.CertificatePolicyExtension, '2.5.29.32');
    const aia = extensionOf(cert, x509.AuthorityInfoAccessExtension, '1.3.6.1.5.5.7.1.1');
    const cdp = extensionOf(cert, x509.CRLDistributionPointsExtension, '2.5.29.31');
    const ski = extensionOf(cert, x509.SubjectKeyIdentifierExtension, '2.5.29.14');
    const aki = extensionOf(cert, x509.AuthorityKeyIdentifierExtension, '2.5.29.35');
    const subject = readName(cert.subjectName);
    const issuer = readName(cert.issuerName);
    const keyDetails = node.publicKey.asymmetricKeyDetails;
    return {
      der,
      subject,
      issuer,
      serialNumber: node.serialNumber.toUpperCase().replace(/^(00)+(?=.)/, ''),
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      ...(bc ? { basicConstraints: { ca: bc.ca, ...(bc.pathLength === undefined ? {} : { pathLength: bc.pathLength }), critical: bc.critical } } : {}),
      ...(ku ? { keyUsage: { usages: KEY_USAGE_NAMES.filter((_, bit) => (ku.usages & (1 << bit)) !== 0), critical: ku.critical } } : {}),
      ...(eku ? { extendedKeyUsage: eku.usages.map(String) } : {}),
      policies: policies ? [...policies.policies] : [],
      ocspUrls: urls(aia?.ocsp),
      caIssuersUrls: urls(aia?.caIssuers),
      crlUrls: (cdp?.distributionPoints ?? []).flatMap((dp) =>
        (dp.distributionPoint?.fullName ?? []).map((n) => n.uniformResourceIdentifier).filter((u): u is string => typeof u === 'string'),
      ),
      ...(ski ? { subjectKeyIdentifier: ski.keyId.toLowerCase() } : {}),
      ...(aki?.keyId ? { authorityKeyIdentifier: aki.keyId.toLowerCase() } : {}),
      publicKey: {
        type: node.publicKey.asymmetricKeyType ?? 'unknown',
        ...(keyDetails?.namedCurve ? { curve: curveName(keyDetails.namedCurve) } : {}),
        ...(keyDetails?.modulusLength ? { bits: keyDetails.modulusLength } : {}),
      },
      sha256: createHash('sha256').update(der).digest('hex'),
      selfIssued: subject.der.equals(issuer.der),
      criticalExtensions: cert.extensions.filter((e) => e.critical).map((e) => e.type),
      x509: node,
    };
  } catch (err) {
    if (err instanceof CertificateRefusedError) throw err;
    throw malformed('unreadable certificate contents', err);
  }
}

/** The first value of a subject attribute (by short name or OID). */
export function subjectAttribute(cert: ParsedCertificate, typeOrOid: string): string | undefined {
  return cert.subject.attributes.find((a) => a.type === typeOrOid || a.oid === typeOrOid)?.value;
}
