// The TEST eID PKI: generation in memory, issuing of arbitrary leaves, revocation, files on disk.
export { KEY_TYPES, generateKey, randomSerial, signingAlgorithm, toPem, x509, type KeyMaterial, type KeyType } from './crypto.ts';
export { NAME_OIDS, buildName, opensslOneLine, personSubject, type NameAttribute, type NameSpec, type PersonName } from './names.ts';
export { CLIENT_AUTH_OID, EID_POLICIES, KEY_USAGE, type CaKind, type CertificateUsage } from './profile.ts';
export {
  OCSP_NOCHECK_OID,
  caExtensions,
  issueCertificate,
  issueCrl,
  ocspResponderExtensions,
  type CertificateParams,
  type IssuedCertificate,
  type IssuedCrl,
  type RevokedEntry,
  type Signer,
} from './certificates.ts';
export {
  DEFAULT_CRL_BASE_URL,
  DEFAULT_OCSP_URL,
  TestPki,
  caKindFor,
  defaultTestPersons,
  generateTestPki,
  opensslTime,
  type CaDatabaseEntry,
  type LeafSpec,
  type TestCa,
  type TestCard,
  type TestPersonSpec,
  type TestPkiOptions,
} from './test-pki.ts';
export { createPkcs12, type Pkcs12Params } from './pkcs12.ts';
export { DEFAULT_PKCS12_PASSWORD, rewriteCaFiles, writeTestPki, type WriteOptions, type WrittenPki } from './write.ts';
