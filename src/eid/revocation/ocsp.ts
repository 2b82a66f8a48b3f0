// One OCSP exchange (RFC 6960): request with a nonce, response verified before anything in it is
// believed. Anything we cannot rely on becomes a RevocationSourceError('invalid'), so the caller
// falls back to the CRL or applies the fail mode; only a verified answer says good or revoked.
import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { cryptoEngine } from './certificate.ts';
import { RevocationSourceError } from './errors.ts';
import { fetchBytes, type FetchFunction } from './http.ts';

const OID_NONCE = '1.3.6.1.5.5.7.48.1.2';
const OID_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
const MAX_RESPONSE_BYTES = 1024 * 1024;

const RESPONSE_STATUS: Record<number, string> = {
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

export interface OcspAnswer {
  status: 'good' | 'revoked' | 'unknown';
  thisUpdate: Date;
  /** Absent when the responder says newer information is always available. */
  nextUpdate?: Date;
  revokedAt?: Date;
  /** False when the responder did not echo our nonce (accepted only for a recent thisUpdate). */
  nonceEchoed: boolean;
}

export interface OcspQuery {
  leaf: pkijs.Certificate;
  issuer: pkijs.Certificate;
  issuerDer: Buffer;
  url: string;
  now: Date;
  clockSkewMs: number;
  /** How old thisUpdate may be when the responder ignores our nonce (pre-produced responses). */
  noncelessMaxAgeMs: number;
  timeoutMs: number;
  fetch: FetchFunction;
}

export async function queryOcsp(query: OcspQuery): Promise<OcspAnswer> {
  const { leaf, issuer, url } = query;
  const request = new pkijs.OCSPRequest();
  // SHA-1 CertIDs: RFC 5019 responders (and OpenSSL's) are only required to understand SHA-1 here.
  await request.createForCertificate(leaf, { hashAlgorithm: 'SHA-1', issuerCertificate: issuer }, cryptoEngine);
  const nonce = new Uint8Array(new asn1js.OctetString({ valueHex: randomBytes(16) }).toBER(false));
  request.tbsRequest.requestExtensions = [new pkijs.Extension({ extnID: OID_NONCE, extnValue: nonce.buffer })];
  const body = new Uint8Array(request.toSchema(true).toBER(false));
  const requestedId = request.tbsRequest.requestList[0]!.reqCert;

  const bytes = await fetchBytes(
    query.fetch,
    url,
    { method: 'POST', headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' }, body },
    { timeoutMs: query.timeoutMs, maxBytes: MAX_RESPONSE_BYTES },
  );

  const basic = parseBasicResponse(bytes, url);
  await verifySigner(basic, issuer, query.issuerDer, url);

  const single = await findSingleResponse(basic, requestedId, leaf, issuer);
  if (!single) throw new RevocationSourceError('invalid', `${url}: the response does not answer for this certificate`);

  const now = query.now.getTime();
  const { thisUpdate, nextUpdate } = single;
  if (thisUpdate.getTime() > now + query.clockSkewMs) {
    throw new RevocationSourceError('invalid', `${url}: thisUpdate ${thisUpdate.toISOString()} is in the future`);
  }
  if (nextUpdate && nextUpdate.getTime() < now - query.clockSkewMs) {
    throw new RevocationSourceError('invalid', `${url}: stale response, nextUpdate ${nextUpdate.toISOString()} has passed`);
  }

  const echoed = basic.tbsResponseData.responseExtensions?.find((e) => e.extnID === OID_NONCE);
  if (echoed) {
    if (!Buffer.from(echoed.extnValue.valueBlock.valueHexView).equals(Buffer.from(nonce))) {
      throw new RevocationSourceError('invalid', `${url}: the response carries another request's nonce (replayed or misrouted)`);
    }
  } else if (now - thisUpdate.getTime() > query.noncelessMaxAgeMs) {
    // Without our nonce the response may be a replay; only a recent one limits what a replay can hide.
    throw new RevocationSourceError('invalid', `${url}: no nonce echoed and thisUpdate ${thisUpdate.toISOString()} is too old to rely on`);
  }

  return { ...readStatus(single.certStatus, url), thisUpdate, ...(nextUpdate ? { nextUpdate } : {}), nonceEchoed: echoed !== undefined };
}

function parseBasicResponse(bytes: Buffer, url: string): pkijs.BasicOCSPResponse {
  let response: pkijs.OCSPResponse;
  try {
    response = pkijs.OCSPResponse.fromBER(new Uint8Array(bytes));
  } catch (err) {
    throw new RevocationSourceError('invalid', `${url}: not an OCSP response`, { cause: err });
  }
  const status = response.responseStatus.valueBlock.valueDec;
  if (status !== 0) {
    // internalError and tryLater are the responder's trouble, not an answer about the certificate.
    const kind = status === 2 || status === 3 ? 'unreachable' : 'invalid';
    throw new RevocationSourceError(kind, `${url}: responder status ${RESPONSE_STATUS[status] ?? status}`);
  }
  if (!response.responseBytes || response.responseBytes.responseType !== OID_OCSP_BASIC) {
    throw new RevocationSourceError('invalid', `${url}: not a basic OCSP response`);
  }
  try {
    return pkijs.BasicOCSPResponse.fromBER(response.responseBytes.response.valueBlock.valueHexView);
  } catch (err) {
    throw new RevocationSourceError('invalid', `${url}: malformed basic OCSP response`, { cause: err });
  }
}

/**
 * The signer must be the issuer itself, or a responder certificate issued by the issuer with the
 * OCSPSigning EKU (RFC 6960 §4.2.2.2). pkijs checks exactly that with the issuer as the only trust
 * anchor and issuer candidate. The issuer itself is pinned as a trusted responder (its signature
 * is still verified) because its own chain goes on to a root we do not hand over here; and since
 * a response signed by the issuer usually carries no certificate, it is offered as a candidate.
 */
async function verifySigner(basic: pkijs.BasicOCSPResponse, issuer: pkijs.Certificate, issuerDer: Buffer, url: string): Promise<void> {
  const embedded = basic.certs ?? [];
  if (!embedded.some((c) => Buffer.from(c.toSchema(true).toBER(false)).equals(issuerDer))) basic.certs = [...embedded, issuer];
  let verified: boolean;
  try {
    verified = await basic.verify({ trustedCerts: [issuer], issuerCerts: [issuer], trustedResponders: [issuer] }, cryptoEngine);
  } catch (err) {
    throw new RevocationSourceError('invalid', `${url}: responder not authorized for this issuer (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (!verified) throw new RevocationSourceError('invalid', `${url}: the response signature does not verify`);
}

async function findSingleResponse(
  basic: pkijs.BasicOCSPResponse,
  requested: pkijs.CertID,
  leaf: pkijs.Certificate,
  issuer: pkijs.Certificate,
): Promise<pkijs.SingleResponse | undefined> {
  const byAlgorithm = new Map<string, pkijs.CertID>([[requested.hashAlgorithm.algorithmId, requested]]);
  for (const single of basic.tbsResponseData.responses) {
    const oid = single.certID.hashAlgorithm.algorithmId;
    let ours = byAlgorithm.get(oid);
    if (!ours) {
      // A responder may answer with another hash than we asked for; compare like with like.
      const algorithm = cryptoEngine.getAlgorithmByOID(oid, false);
      if (!('name' in algorithm)) continue;
      ours = new pkijs.CertID();
      await ours.createForCertificate(leaf, { hashAlgorithm: algorithm.name, issuerCertificate: issuer }, cryptoEngine);
      byAlgorithm.set(oid, ours);
    }
    if (single.certID.isEqual(ours)) return single;
  }
  return undefined;
}

function readStatus(certStatus: unknown, url: string): { status: OcspAnswer['status']; revokedAt?: Date } {
  // CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT UnknownInfo }
  const block = certStatus as asn1js.BaseBlock & { valueBlock: { value?: unknown[] } };
  const tag = block?.idBlock;
  if (tag?.tagClass === 3) {
    if (tag.tagNumber === 0) return { status: 'good' };
    if (tag.tagNumber === 2) return { status: 'unknown' };
    if (tag.tagNumber === 1) {
      const time = block.valueBlock.value?.[0];
      return time instanceof asn1js.GeneralizedTime ? { status: 'revoked', revokedAt: time.toDate() } : { status: 'revoked' };
    }
  }
  throw new RevocationSourceError('invalid', `${url}: unrecognised certStatus`);
}
