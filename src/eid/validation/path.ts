// Builds and checks the path leaf → intermediates → configured anchor. Issuers are found by name
// (and key identifier when both sides carry one) and proven by their signature; a name match
// whose signature does not verify is a tampered certificate, no match at all an unknown issuer.
import type { ParsedCertificate } from '../certificate.ts';
import { CertificateRefusedError } from '../refusal.ts';
import type { TrustStore } from './trust-store.ts';

/** Certificates from leaf to anchor; eID paths are 3 long, this leaves room for cross-certificates. */
export const MAX_PATH_LENGTH = 6;

function describe(cert: ParsedCertificate, isLeaf: boolean): string {
  if (isLeaf) return "the person's certificate";
  const cn = cert.subject.attributes.find((a) => a.type === 'CN')?.value;
  return `CA "${cn ?? cert.subject.text}"`;
}

function mayHaveIssued(candidate: ParsedCertificate, cert: ParsedCertificate): boolean {
  if (!candidate.subject.der.equals(cert.issuer.der)) return false;
  if (cert.authorityKeyIdentifier && candidate.subjectKeyIdentifier) return cert.authorityKeyIdentifier === candidate.subjectKeyIdentifier;
  return true;
}

function signedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return cert.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

/** The path from the leaf to an anchor, both included. */
export function buildPath(leaf: ParsedCertificate, presented: readonly ParsedCertificate[], trust: TrustStore): ParsedCertificate[] {
  const anchorHashes = new Set(trust.anchors.map((a) => a.sha256));
  const path: ParsedCertificate[] = [leaf];
  for (;;) {
    const current = path[path.length - 1]!;
    const isLeaf = path.length === 1;
    const anchor = trust.anchors.find((a) => mayHaveIssued(a, current) && signedBy(current, a));
    if (anchor) {
      // An anchor presented as if issued by itself ends the path at the anchor, not twice.
      if (anchor.sha256 !== current.sha256) path.push(anchor);
      return path;
    }
    if (current.selfIssued && signedBy(current, current)) {
      throw new CertificateRefusedError('unknown_issuer', `${describe(current, isLeaf)} is self-signed and not a configured trust anchor`);
    }
    const candidates = [...presented, ...trust.intermediates].filter((c) => !anchorHashes.has(c.sha256) && mayHaveIssued(c, current));
    const issuer = candidates.find((c) => signedBy(current, c));
    if (!issuer) {
      const byName = [...trust.anchors, ...candidates].some((c) => c.subject.der.equals(current.issuer.der));
      if (byName) throw new CertificateRefusedError('invalid_signature', `the signature on ${describe(current, isLeaf)} does not verify with the key of its issuer "${current.issuer.text}"`);
      throw new CertificateRefusedError('unknown_issuer', `no configured trust anchor or intermediate issued ${describe(current, isLeaf)} (issuer "${current.issuer.text}")`);
    }
    if (path.some((c) => c.sha256 === issuer.sha256)) {
      throw new CertificateRefusedError('unknown_issuer', `chain loop at ${describe(issuer, false)}: no path to a trust anchor`);
    }
    path.push(issuer);
    if (path.length > MAX_PATH_LENGTH) throw new CertificateRefusedError('unknown_issuer', `no trust anchor within ${MAX_PATH_LENGTH} certificates`);
  }
}

/** basicConstraints and keyCertSign on every issuing certificate, pathLen counted from below. */
export function checkCaConstraints(path: readonly ParsedCertificate[]): void {
  for (let i = 1; i < path.length; i++) {
    const ca = path[i]!;
    const name = describe(ca, false);
    if (!ca.basicConstraints?.ca) throw new CertificateRefusedError('not_an_end_entity', `${name} issued a certificate but is not a CA (basicConstraints)`);
    if (ca.keyUsage && !ca.keyUsage.usages.includes('keyCertSign')) throw new CertificateRefusedError('not_an_end_entity', `${name} lacks keyUsage keyCertSign`);
    // Self-issued intermediates do not count towards pathLen (RFC 5280 §4.2.1.9).
    const casBelow = path.slice(1, i).filter((c) => !c.selfIssued).length;
    const limit = ca.basicConstraints.pathLength;
    if (limit !== undefined && casBelow > limit) throw new CertificateRefusedError('not_an_end_entity', `${name} allows ${limit} CA(s) below it, the chain has ${casBelow}`);
  }
}

/** Every certificate of the path must be valid at `now`, give or take the skew. */
export function checkValidity(path: readonly ParsedCertificate[], now: Date, clockSkewSeconds: number): void {
  const skew = clockSkewSeconds * 1000;
  path.forEach((cert, i) => {
    const name = describe(cert, i === 0);
    if (now.getTime() + skew < cert.notBefore.getTime()) {
      throw new CertificateRefusedError('not_yet_valid', `${name} is valid from ${cert.notBefore.toISOString()}`);
    }
    if (now.getTime() - skew > cert.notAfter.getTime()) {
      throw new CertificateRefusedError('expired', `${name} expired on ${cert.notAfter.toISOString()}`);
    }
  });
}
