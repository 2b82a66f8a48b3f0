export { validateAuthenticationCertificate, type ValidatedCertificate, type ValidationOptions } from './authentication.ts';
export { MAX_PATH_LENGTH, buildPath, checkCaConstraints, checkValidity } from './path.ts';
export { TrustStoreError, loadTrustStore, trustStoreFromCertificates, type TrustStore } from './trust-store.ts';
