// What the revocation check needs to know about a certificate: where its OCSP responder and CRLs
// are, its serial, and a stable identity for its issuer (cache keys, CRL binding). Read with
// pkijs because Node's X509Certificate does not expose the CRL distribution points.
import { createHash, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** One engine over Node's WebCrypto, passed explicitly so no pkijs global state is involved. */
export const cryptoEngine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'] });

const OID_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';
const OID_AD_OCSP = '1.3.6.1.5.5.7.48.1';
const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
const GENERAL_NAME_URI = 6;

export function parseCertificate(der: Buffer): pkijs.Certificate {
  return pkijs.Certificate.fromBER(new Uint8Array(der.buffer, der.byteOffset, der.byteLength));
}

/** Serial as lowercase hex without leading zero octets, the form used in cache keys and CRL look-ups. */
export function normalizeSerial(bytes: Uint8Array): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return Buffer.from(bytes.subarray(start)).toString('hex');
}

export function serialOf(certificate: pkijs.Certificate): string {
  return normalizeSerial(certificate.serialNumber.valueBlock.valueHexView);
}

/**
 * SHA-256 over the issuer's subject and public key: two CAs sharing a name (re-keyed Citizen CAs
 * do) never share cache entries.
 */
export function issuerIdOf(issuer: pkijs.Certificate): string {
  return createHash('sha256')
    .update(Buffer.from(issuer.subject.toSchema().toBER(false)))
    .update(Buffer.from(issuer.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView))
    .digest('hex');
}

/** The issuer's common name, for logs (a CA's name never carries a national number). */
export function commonNameOf(name: pkijs.RelativeDistinguishedNames): string {
  const cn = name.typesAndValues.find((t) => t.type === '2.5.4.3');
  return cn ? String(cn.value.valueBlock.value) : '';
}

const httpOnly = (uri: string) => /^https?:\/\//i.test(uri);

function extension(certificate: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return certificate.extensions?.find((e) => e.extnID === oid);
}

/** OCSP responder URLs from the Authority Information Access extension (http and https only). */
export function ocspUrlsOf(certificate: pkijs.Certificate): string[] {
  const ext = extension(certificate, OID_AUTHORITY_INFO_ACCESS);
  if (!ext) return [];
  const aia = ext.parsedValue instanceof pkijs.InfoAccess ? ext.parsedValue : new pkijs.InfoAccess({ schema: asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result });
  return aia.accessDescriptions
    .filter((d) => d.accessMethod === OID_AD_OCSP && d.accessLocation.type === GENERAL_NAME_URI)
    .map((d) => String(d.accessLocation.value))
    .filter(httpOnly);
}

/** CRL URLs from the CRL Distribution Points extension (full names, http and https only; LDAP is skipped). */
export function crlUrlsOf(certificate: pkijs.Certificate): string[] {
  const ext = extension(certificate, OID_CRL_DISTRIBUTION_POINTS);
  if (!ext) return [];
  const cdp =
    ext.parsedValue instanceof pkijs.CRLDistributionPoints
      ? ext.parsedValue
      : new pkijs.CRLDistributionPoints({ schema: asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result });
  const urls: string[] = [];
  for (const point of cdp.distributionPoints) {
    // A CRL signed by someone other than the issuer (cRLIssuer) is an indirect CRL, which we do not accept.
    if (point.cRLIssuer?.length) continue;
    if (!Array.isArray(point.distributionPoint)) continue;
    for (const name of point.distributionPoint) {
      if (name.type === GENERAL_NAME_URI && httpOnly(String(name.value))) urls.push(String(name.value));
    }
  }
  return urls;
}
