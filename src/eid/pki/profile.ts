// The Belgian eID certificate profile as the test PKI reproduces it (docs/domain.md §1.2-1.3).
import { x509 } from './crypto.ts';

export type CaKind = 'citizen' | 'foreigner';
export type CertificateUsage = 'authentication' | 'signature';

/** Policy OIDs under the RCA4-era arc 12: `.2` citizens, `.7` foreigners; `.2` authentication, `.1` signature. */
export const EID_POLICIES: Record<CaKind, Record<CertificateUsage, string>> = {
  citizen: { authentication: '2.16.56.12.1.1.2.2', signature: '2.16.56.12.1.1.2.1' },
  foreigner: { authentication: '2.16.56.12.1.1.7.2', signature: '2.16.56.12.1.1.7.1' },
};

export const KEY_USAGE: Record<CertificateUsage, number> = {
  authentication: x509.KeyUsageFlags.digitalSignature,
  signature: x509.KeyUsageFlags.nonRepudiation,
};

export const CLIENT_AUTH_OID = x509.ExtendedKeyUsage.clientAuth as string;
