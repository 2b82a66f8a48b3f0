// The vocabulary shared by the eID modules: what arrives (a presented certificate), what the
// validator makes of it (an identified card holder), and the ports between them.

/** Where a certificate came from; audited with every outcome. */
export type CertificateSource = 'tls' | 'proxy-header' | 'rfc9440' | 'card-agent';

export interface PresentedCertificate {
  /** DER of the person's (leaf) certificate. */
  leaf: Buffer;
  /** DER of further certificates the client sent (issuing CA first), possibly empty. */
  chain: Buffer[];
  source: CertificateSource;
}

export type IdentityNumberKind = 'rrn' | 'bis';

/** What a valid Authentication certificate tells us about its holder. */
export interface CardHolder {
  /** 11 digits; only ever stored encrypted and logged masked. */
  nationalNumber: string;
  kind: IdentityNumberKind;
  givenName: string;
  familyName: string;
  certificate: {
    /** Hex serial number of the certificate. */
    serialNumber: string;
    subject: string;
    issuer: string;
    notBefore: Date;
    notAfter: Date;
    /** SHA-256 over the DER, hex: identifies the certificate in audit records. */
    sha256: string;
    keyAlgorithm: 'EC P-384' | 'EC P-256' | 'RSA';
    policies: string[];
  };
}

export type RevocationStatus =
  | { status: 'good'; checkedBy: 'ocsp' | 'crl'; cached: boolean }
  /** Status unknown but fail mode is open: let through, logged and audited by the caller. */
  | { status: 'soft-failed'; reason: string };

/** Checks one certificate against its issuer; throws CertificateRefusedError ('revoked', 'revocation_unavailable'). */
export interface RevocationChecker {
  check(leafDer: Buffer, issuerDer: Buffer): Promise<RevocationStatus>;
}
