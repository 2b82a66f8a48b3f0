// A CRL (RFC 5280 §5) downloaded from a distribution point and verified: signed by the issuer
// with a key allowed to sign CRLs, current, complete for end-entity certificates. Only then is
// it reduced to the set of revoked serials that is cached and looked up.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { cryptoEngine, normalizeSerial } from './certificate.ts';
import { RevocationSourceError } from './errors.ts';
import { fetchBytes, type FetchFunction } from './http.ts';

const OID_KEY_USAGE = '2.5.29.15';
const OID_ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
const OID_DELTA_CRL_INDICATOR = '2.5.29.27';

export interface CrlSnapshot {
  url: string;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Normalized hex serials (see normalizeSerial). */
  revoked: Set<string>;
}

export interface CrlDownload {
  url: string;
  issuer: pkijs.Certificate;
  now: Date;
  clockSkewMs: number;
  timeoutMs: number;
  maxBytes: number;
  fetch: FetchFunction;
}

export async function downloadCrl(download: CrlDownload): Promise<CrlSnapshot> {
  const { url } = download;
  const bytes = await fetchBytes(
    download.fetch,
    url,
    { method: 'GET', headers: { accept: 'application/pkix-crl, application/x-pkcs7-crl;q=0.5, */*;q=0.1' } },
    { timeoutMs: download.timeoutMs, maxBytes: download.maxBytes },
  );
  return verifyCrl(bytes, download);
}

export async function verifyCrl(bytes: Buffer, context: Omit<CrlDownload, 'timeoutMs' | 'maxBytes' | 'fetch'>): Promise<CrlSnapshot> {
  const { url, issuer } = context;
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = pkijs.CertificateRevocationList.fromBER(new Uint8Array(derOf(bytes)));
  } catch (err) {
    throw new RevocationSourceError('invalid', `${url}: not a CRL`, { cause: err });
  }
  if (!crl.issuer.isEqual(issuer.subject)) throw new RevocationSourceError('invalid', `${url}: the CRL was issued by another CA`);
  if (!mayIssueCrls(issuer)) throw new RevocationSourceError('invalid', `${url}: the issuer's key usage does not allow signing CRLs`);
  let signed: boolean;
  try {
    signed = await crl.verify({ issuerCertificate: issuer }, cryptoEngine);
  } catch (err) {
    throw new RevocationSourceError('invalid', `${url}: CRL signature check failed`, { cause: err });
  }
  if (!signed) throw new RevocationSourceError('invalid', `${url}: the CRL signature does not verify`);

  const now = context.now.getTime();
  const thisUpdate = crl.thisUpdate.value;
  const nextUpdate = crl.nextUpdate?.value;
  if (thisUpdate.getTime() > now + context.clockSkewMs) {
    throw new RevocationSourceError('invalid', `${url}: thisUpdate ${thisUpdate.toISOString()} is in the future`);
  }
  // RFC 5280 requires nextUpdate; without it nothing tells how long the list may be believed.
  if (!nextUpdate) throw new RevocationSourceError('invalid', `${url}: the CRL has no nextUpdate`);
  if (nextUpdate.getTime() < now - context.clockSkewMs) {
    throw new RevocationSourceError('invalid', `${url}: stale CRL, nextUpdate ${nextUpdate.toISOString()} has passed`);
  }
  checkScope(crl, url);

  const revoked = new Set<string>();
  for (const entry of crl.revokedCertificates ?? []) {
    if (entry.crlEntryExtensions?.extensions.some((e) => e.critical)) {
      throw new RevocationSourceError('invalid', `${url}: a CRL entry has a critical extension we do not process`);
    }
    revoked.add(normalizeSerial(entry.userCertificate.valueBlock.valueHexView));
  }
  return { url, thisUpdate, nextUpdate, revoked };
}

/** Some distribution points serve PEM although RFC 5280 says DER. */
function derOf(bytes: Buffer): Buffer {
  const text = bytes.subarray(0, 64).toString('latin1');
  if (!text.startsWith('-----BEGIN')) return bytes;
  const body = bytes.toString('latin1').replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64');
}

function mayIssueCrls(issuer: pkijs.Certificate): boolean {
  const ext = issuer.extensions?.find((e) => e.extnID === OID_KEY_USAGE);
  if (!ext) return true;
  const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result;
  if (!(parsed instanceof asn1js.BitString)) return false;
  const bits = parsed.valueBlock.valueHexView;
  // cRLSign is bit 6 of the first octet (counting from the most significant bit as 0).
  return bits.length > 0 && (bits[0]! & 0x02) !== 0;
}

/**
 * We need a complete CRL covering end-entity certificates: delta CRLs, indirect CRLs and
 * partitions by reason or by CA certificates would let a revoked serial go unseen, and a critical
 * extension we do not understand makes the CRL unusable (RFC 5280 §5.2).
 */
function checkScope(crl: pkijs.CertificateRevocationList, url: string): void {
  for (const ext of crl.crlExtensions?.extensions ?? []) {
    if (ext.extnID === OID_DELTA_CRL_INDICATOR) throw new RevocationSourceError('invalid', `${url}: a delta CRL, not a complete one`);
    if (ext.extnID === OID_ISSUING_DISTRIBUTION_POINT) {
      const idp =
        ext.parsedValue instanceof pkijs.IssuingDistributionPoint
          ? ext.parsedValue
          : new pkijs.IssuingDistributionPoint({ schema: asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result });
      if (idp.onlyContainsCACerts || idp.onlyContainsAttributeCerts || idp.indirectCRL || idp.onlySomeReasons !== undefined) {
        throw new RevocationSourceError('invalid', `${url}: a partial or indirect CRL (issuing distribution point)`);
      }
      continue;
    }
    if (ext.critical) throw new RevocationSourceError('invalid', `${url}: critical CRL extension ${ext.extnID} is not supported`);
  }
}
