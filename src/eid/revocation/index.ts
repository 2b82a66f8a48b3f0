// Revocation checking for eID certificates: OCSP with CRL fallback, shared cache, fail modes.
export { createRevocationChecker, type RevocationCheckerOptions, type RevocationMetrics } from './checker.ts';
export { crlUrlsOf, ocspUrlsOf, normalizeSerial } from './certificate.ts';
export { ocspCacheKey, crlCacheKey } from './cache.ts';
