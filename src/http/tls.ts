// Embedded mode serves HTTPS from the first start (oidc-provider's cookies need a secure context,
// see the notes on SameSite in docs/oidc-provider-notes.md): a self-signed certificate for
// localhost is generated once under the data folder and reused.
import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Config } from '../config/schema.ts';

x509.cryptoProvider.set(webcrypto as never);

export interface TlsMaterial {
  cert: string;
  key: string;
  /** Where the certificate came from, for the start-up banner. */
  origin: string;
}

export async function generateSelfSigned(hostnames: string[]): Promise<{ cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const names = hostnames.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1'),
    name: 'CN=capacity-idp local TLS (TEST)',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 825 * 24 * 3600 * 1000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension(names),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: certificate.toString('pem') + '\n', key };
}

export async function loadTls(config: Config): Promise<TlsMaterial | undefined> {
  const tls = config.server.tls;
  if (tls.mode === 'off') return undefined;
  if (tls.mode === 'files') {
    return { cert: readFileSync(tls.certFile!, 'utf8'), key: readFileSync(tls.keyFile!, 'utf8'), origin: tls.certFile! };
  }
  const hosts = ['localhost', '127.0.0.1', '::1'];
  if (config.storage.inMemory) return { ...(await generateSelfSigned(hosts)), origin: 'generated in memory' };
  const dir = config.storage.dataDir;
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true });
    const generated = await generateSelfSigned(hosts);
    writeFileSync(keyFile, generated.key, { mode: 0o600 });
    writeFileSync(certFile, generated.cert);
  }
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), origin: certFile };
}
