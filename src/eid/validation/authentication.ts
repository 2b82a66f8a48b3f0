// Decides whether a presented certificate is a valid Belgian eID Authentication certificate
// and who holds it. No network here: revocation is checked afterwards with the returned issuer.
import { maskNationalNumbersIn, parseNationalNumber } from '../../directory/identifiers.ts';
import { MAX_CERTIFICATE_BYTES, MAX_CHAIN_CERTIFICATES, UNDERSTOOD_EXTENSIONS, parseCertificate, subjectAttribute, type ParsedCertificate } from '../certificate.ts';
import { CertificateRefusedError } from '../refusal.ts';
import type { CardHolder, PresentedCertificate } from '../types.ts';
import { buildPath, checkCaConstraints, checkValidity } from './path.ts';
import type { TrustStore } from './trust-store.ts';

export interface ValidationOptions {
  /** Policy OIDs of which the certificate must carry at least one (eid.allowedPolicies). */
  allowedPolicies: readonly string[];
  clockSkewSeconds: number;
  now?: Date;
}

export interface ValidatedCertificate {
  holder: CardHolder;
  /** DER of the CA that issued the leaf: the revocation check needs it. */
  issuer: Buffer;
  /** The validated path above the leaf: issuing CA first, trust anchor last. */
  chain: Buffer[];
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
const MIN_RSA_BITS = 2048;

function checkSizes(presented: PresentedCertificate): void {
  if (presented.leaf.length === 0) throw new CertificateRefusedError('no_certificate', 'an empty certificate was presented');
  if (presented.chain.length + 1 > MAX_CHAIN_CERTIFICATES) {
    throw new CertificateRefusedError('malformed_certificate', `${presented.chain.length + 1} certificates presented, at most ${MAX_CHAIN_CERTIFICATES} accepted`);
  }
  for (const der of [presented.leaf, ...presented.chain]) {
    if (der.length > MAX_CERTIFICATE_BYTES) throw new CertificateRefusedError('malformed_certificate', `a certificate of ${der.length} bytes is over the ${MAX_CERTIFICATE_BYTES}-byte limit`);
  }
}

function checkEndEntity(leaf: ParsedCertificate): void {
  if (leaf.basicConstraints?.ca) throw new CertificateRefusedError('not_an_end_entity', "a CA certificate (basicConstraints cA) was presented as the person's certificate");
  if (leaf.keyUsage?.usages.includes('keyCertSign')) throw new CertificateRefusedError('not_an_end_entity', "the person's certificate may sign certificates (keyCertSign)");
}

function checkUnknownCriticalExtensions(path: readonly ParsedCertificate[]): void {
  for (const cert of path) {
    const unknown = cert.criticalExtensions.filter((oid) => !UNDERSTOOD_EXTENSIONS.has(oid));
    if (unknown.length) throw new CertificateRefusedError('malformed_certificate', `unsupported critical extension ${unknown.join(', ')}`);
  }
}

function checkUsage(leaf: ParsedCertificate): void {
  const usages = leaf.keyUsage?.usages;
  if (!usages) throw new CertificateRefusedError('wrong_key_usage', 'the certificate has no keyUsage; eID Authentication certificates have digitalSignature');
  if (!usages.includes('digitalSignature')) {
    if (usages.includes('nonRepudiation')) {
      throw new CertificateRefusedError(
        'signature_certificate',
        'the Signature (non-repudiation) certificate was chosen; the person must pick the Authentication certificate of the card',
      );
    }
    throw new CertificateRefusedError('wrong_key_usage', `keyUsage ${usages.join(', ') || '(none)'} does not include digitalSignature`);
  }
  const eku = leaf.extendedKeyUsage;
  if (eku && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EXTENDED_KEY_USAGE)) {
    throw new CertificateRefusedError('wrong_key_usage', `extendedKeyUsage ${eku.join(', ')} does not allow TLS client authentication`);
  }
}

function keyAlgorithm(leaf: ParsedCertificate): CardHolder['certificate']['keyAlgorithm'] {
  const key = leaf.publicKey;
  if (key.type === 'ec' && (key.curve === 'P-384' || key.curve === 'P-256')) return `EC ${key.curve}`;
  if (key.type === 'rsa' && (key.bits ?? 0) >= MIN_RSA_BITS) return 'RSA';
  const what = key.type === 'rsa' ? `RSA ${key.bits} bits` : `${key.type}${key.curve ? ` ${key.curve}` : ''}`;
  throw new CertificateRefusedError('wrong_key_usage', `unsupported key ${what} (eID cards have EC P-384 or RSA 2048 keys)`);
}

function holderOf(leaf: ParsedCertificate, now: Date): Omit<CardHolder, 'certificate'> {
  const serialNumbers = leaf.subject.attributes.filter((a) => a.type === 'serialNumber');
  if (serialNumbers.length === 0) throw new CertificateRefusedError('invalid_identity', 'the subject has no serialNumber (national register number)');
  if (serialNumbers.length > 1) throw new CertificateRefusedError('invalid_identity', 'the subject has more than one serialNumber');
  // Only the digits themselves are accepted: the card never prints separators in the certificate.
  const raw = serialNumbers[0]!.value;
  const info = /^\d{11}$/.test(raw) ? parseNationalNumber(raw, now) : undefined;
  if (!info) throw new CertificateRefusedError('invalid_identity', 'the subject serialNumber is not a valid national register or BIS number (length, date or check digits)');
  const familyName = subjectAttribute(leaf, 'SN')?.trim();
  if (!familyName) throw new CertificateRefusedError('invalid_identity', 'the subject has no surname (SN)');
  // Some people have no first name; the card then has no GN.
  const givenName = subjectAttribute(leaf, 'GN')?.trim() ?? '';
  return { nationalNumber: info.number, kind: info.kind, givenName, familyName };
}

/**
 * Validates an eID Authentication certificate against the trust store; throws
 * CertificateRefusedError naming the first reason it is not acceptable.
 */
export function validateAuthenticationCertificate(presented: PresentedCertificate, trust: TrustStore, options: ValidationOptions): ValidatedCertificate {
  const now = options.now ?? new Date();
  checkSizes(presented);
  const leaf = parseCertificate(presented.leaf);
  const chain = presented.chain.map((der) => parseCertificate(der));
  checkEndEntity(leaf);

  const path = buildPath(leaf, chain, trust);
  checkCaConstraints(path);
  checkValidity(path, now, options.clockSkewSeconds);
  checkUnknownCriticalExtensions(path);

  checkUsage(leaf);
  const algorithm = keyAlgorithm(leaf);
  if (!leaf.policies.some((p) => options.allowedPolicies.includes(p))) {
    throw new CertificateRefusedError('policy_not_allowed', `certificate policies ${leaf.policies.join(', ') || '(none)'} include none of the allowed ones`);
  }
  const identity = holderOf(leaf, now);
  return {
    holder: {
      ...identity,
      certificate: {
        serialNumber: leaf.serialNumber,
        // The subject's serialNumber is the national register number: masked here, so the
        // subject can be logged and audited like the other certificate fields.
        subject: maskNationalNumbersIn(leaf.subject.text),
        issuer: leaf.issuer.text,
        notBefore: leaf.notBefore,
        notAfter: leaf.notAfter,
        sha256: leaf.sha256,
        keyAlgorithm: algorithm,
        policies: leaf.policies,
      },
    },
    issuer: path[1]!.der,
    chain: path.slice(1).map((c) => c.der),
  };
}
