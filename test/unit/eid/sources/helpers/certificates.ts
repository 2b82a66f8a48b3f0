// Small certificate hierarchies for the certificate-source tests: a root, an issuing CA and
// person certificates with EC P-384 (current cards), EC P-256 or RSA 2048 (older cards) keys.
// Only what the sources need; the full eID-like test PKI lives with the validator.
import 'reflect-metadata';
import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

export type KeyKind = 'EC P-384' | 'EC P-256' | 'RSA 2048';

export interface IssuedCertificate {
  der: Buffer;
  pem: string;
  /** PKCS#8 PEM, as https.request({ key }) takes it. */
  keyPem: string;
  privateKey: KeyObject;
  /** For issuing below this certificate. */
  signer: { name: string; keys: webcrypto.CryptoKeyPair; algorithm: webcrypto.Algorithm };
}

function algorithmFor(kind: KeyKind) {
  switch (kind) {
    case 'EC P-384':
      return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
    case 'EC P-256':
      return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    case 'RSA 2048':
      return { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  }
}

let serial = 1;

async function issue(
  name: string,
  kind: KeyKind,
  issuer: IssuedCertificate['signer'] | undefined,
  extensions: x509.Extension[],
): Promise<IssuedCertificate> {
  const algorithm = algorithmFor(kind);
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const common = {
    serialNumber: (serial++).toString(16).padStart(4, '0'),
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 30 * 24 * 3600_000),
    extensions,
  };
  const certificate = issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: name,
        issuer: issuer.name,
        publicKey: keys.publicKey,
        signingKey: issuer.keys.privateKey,
        signingAlgorithm: issuer.algorithm,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name, keys, signingAlgorithm: algorithm });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    der: Buffer.from(certificate.rawData),
    pem: certificate.toString('pem') + '\n',
    keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`,
    privateKey: KeyObject.from(keys.privateKey),
    signer: { name, keys, algorithm },
  };
}

const caExtensions = (pathLength?: number) => [
  new x509.BasicConstraintsExtension(true, pathLength, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
];

const personExtensions = () => [
  new x509.BasicConstraintsExtension(false, undefined, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
];

export interface Hierarchy {
  root: IssuedCertificate;
  issuing: IssuedCertificate;
  person(kind: KeyKind, commonName?: string): Promise<IssuedCertificate>;
}

export async function createHierarchy(kind: KeyKind = 'EC P-384'): Promise<Hierarchy> {
  const root = await issue('C=BE, CN=Sources Test Root CA', kind, undefined, caExtensions(1));
  const issuing = await issue('C=BE, CN=Sources Test Citizen CA', kind, root.signer, caExtensions(0));
  return {
    root,
    issuing,
    person: (personKind, commonName = 'Alice Test (Authentication)') =>
      issue(`C=BE, CN=${commonName}, SN=Test, G=Alice, 2.5.4.5=71715100070`, personKind, issuing.signer, personExtensions()),
  };
}

/** A person certificate that signs itself: no chain to follow. */
export function createSelfSigned(kind: KeyKind): Promise<IssuedCertificate> {
  return issue('C=BE, CN=Self Signed (Authentication)', kind, undefined, personExtensions());
}

/** A server certificate for localhost, for the TLS listeners of the tests. */
export async function createServerCertificate(): Promise<IssuedCertificate> {
  return issue('CN=localhost', 'EC P-256', undefined, [
    new x509.SubjectAlternativeNameExtension([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  ]);
}
