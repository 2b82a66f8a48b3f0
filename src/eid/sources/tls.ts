// The certificate a browser presented in the TLS handshake of the certificate origin. That
// server asks for a certificate (requestCert) but accepts any (rejectUnauthorized: false): the
// eID validator decides, so that a refusal becomes a page that explains it instead of a TLS
// alert the browser shows as a bare connection error.
import type { Socket } from 'node:net';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import type { PresentedCertificate } from '../types.ts';

/** A client sends its certificate and the CAs above it; more is not a real card's chain. */
const MAX_CHAIN = 8;

/**
 * The leaf and the issuers the client sent (issuing CA first), or undefined when the socket is
 * not TLS or no certificate was sent. Node links issuers it finds among the certificates the
 * client sent and in the server's own CA store, so the chain may end with a CA from that
 * store; the validator treats every chain certificate as untrusted input either way. On a
 * resumed TLS session OpenSSL keeps the leaf but not the chain: the validator then relies on
 * its configured intermediates.
 */
export function certificateFromTlsSocket(socket: Socket): PresentedCertificate | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const leaf = socket.getPeerX509Certificate();
  if (!leaf) return undefined;
  const chain: Buffer[] = [];
  const seen = new Set<string>([leaf.fingerprint256]);
  let current: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  // Node closes the chain with a self-issued certificate whose issuerCertificate is itself.
  while (chain.length < MAX_CHAIN) {
    const issuer: DetailedPeerCertificate | undefined = current?.issuerCertificate;
    if (!issuer?.raw || issuer === current || seen.has(issuer.fingerprint256)) break;
    seen.add(issuer.fingerprint256);
    chain.push(Buffer.from(issuer.raw));
    current = issuer;
  }
  return { leaf: Buffer.from(leaf.raw), chain, source: 'tls' };
}
