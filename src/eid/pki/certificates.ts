// Low-level certificate and CRL issuing for the test PKI. Everything is a parameter so that tests
// can make the certificates a validator must refuse (wrong usage, self-signed, loops, expired).
import { x509, generateKey, randomSerial, signingAlgorithm, toPem, type KeyMaterial, type KeyType } from './crypto.ts';
import { buildName, opensslOneLine, type NameSpec } from './names.ts';

export interface IssuedCertificate {
  certificate: x509.X509Certificate;
  der: Buffer;
  pem: string;
  /** Uppercase hex without leading zero bytes: the form of OpenSSL's index.txt. */
  serialNumber: string;
  subject: NameSpec;
  key: KeyMaterial;
}

/** Who signs: a certificate with its key, or `'self'` for a self-signed certificate. */
export type Signer = { certificate: IssuedCertificate } | 'self';

export interface CertificateParams {
  subject: NameSpec;
  signer: Signer;
  /** The subject's key; generated with `keyType` (default ec-p384) when absent. */
  key?: KeyMaterial;
  keyType?: KeyType;
  serialNumber?: string;
  notBefore: Date;
  notAfter: Date;
  /** Extensions besides the key identifiers, which are always added. */
  extensions: x509.Extension[];
}

export async function issueCertificate(params: CertificateParams): Promise<IssuedCertificate> {
  const key = params.key ?? (await generateKey(params.keyType ?? 'ec-p384'));
  const issuerKey = params.signer === 'self' ? key : params.signer.certificate.key;
  const issuerName = params.signer === 'self' ? buildName(params.subject) : params.signer.certificate.certificate.subjectName;
  const issuerPublicKey = params.signer === 'self' ? key.keys.publicKey : params.signer.certificate.key.keys.publicKey;
  const serialNumber = params.serialNumber ?? randomSerial();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: buildName(params.subject),
    issuer: issuerName,
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    publicKey: key.keys.publicKey,
    signingKey: issuerKey.keys.privateKey,
    signingAlgorithm: signingAlgorithm(issuerKey.type),
    extensions: [
      ...params.extensions,
      await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuerPublicKey),
    ],
  });
  const der = Buffer.from(certificate.rawData);
  return { certificate, der, pem: toPem('CERTIFICATE', der), serialNumber: serialNumber.replace(/^(00)+(?=.)/, ''), subject: params.subject, key };
}

export function caExtensions(pathLength: number | undefined): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
}

/** id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): the responder's own status is not checked; value is NULL. */
export const OCSP_NOCHECK_OID = '1.3.6.1.5.5.7.48.1.5';
const CRL_NUMBER_OID = '2.5.29.20';

export function ocspResponderExtensions(): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.ocspSigning]),
    new x509.Extension(OCSP_NOCHECK_OID, false, new Uint8Array([0x05, 0x00])),
  ];
}

export interface RevokedEntry {
  serialNumber: string;
  revokedAt: Date;
}

function derInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return new Uint8Array([0x02, bytes.length, ...bytes]);
}

export interface IssuedCrl {
  crl: x509.X509Crl;
  der: Buffer;
  pem: string;
  number: number;
}

export async function issueCrl(ca: IssuedCertificate, revoked: RevokedEntry[], crlNumber: number, thisUpdate: Date, nextUpdate: Date): Promise<IssuedCrl> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.certificate.subjectName,
    thisUpdate,
    nextUpdate,
    signingKey: ca.key.keys.privateKey,
    signingAlgorithm: signingAlgorithm(ca.key.type),
    // An entry without a reason code gets an empty extensions SEQUENCE from the generator, which
    // RFC 5280 forbids (SIZE 1..MAX) and strict readers (pkijs) reject: always state a reason.
    entries: revoked.map((r) => ({ serialNumber: r.serialNumber, revocationDate: r.revokedAt, reason: x509.X509CrlReason.keyCompromise })),
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(ca.key.keys.publicKey),
      new x509.Extension(CRL_NUMBER_OID, false, derInteger(crlNumber)),
    ],
  });
  const der = Buffer.from(crl.rawData);
  return { crl, der, pem: toPem('X509 CRL', der), number: crlNumber };
}

export { opensslOneLine };
