// PKCS#12 files for the test cards, built with pkijs: the Authentication key (PBES2, AES-256-CBC)
// with its certificate and chain, and a SHA-256 HMAC over the whole. Key and certificate share a
// localKeyId so browsers (NSS) and OpenSSL pair them.
import { createHash, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { IssuedCertificate } from './certificates.ts';

const engine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto as never });

const OID = {
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
};

const ITERATIONS = 2048;

function bufferOf(data: Uint8Array): ArrayBuffer {
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

export interface Pkcs12Params {
  /** The person's certificate and key. */
  leaf: IssuedCertificate;
  /** Issuing CA first, then the root. */
  chain: Buffer[];
  password: string;
  friendlyName?: string;
}

export async function createPkcs12(params: Pkcs12Params): Promise<Buffer> {
  const password = bufferOf(Buffer.from(params.password, 'utf8'));
  const localKeyId = createHash('sha1').update(params.leaf.der).digest();
  const attributes = [
    new pkijs.Attribute({ type: OID.localKeyId, values: [new asn1js.OctetString({ valueHex: bufferOf(localKeyId) })] }),
    new pkijs.Attribute({ type: OID.friendlyName, values: [new asn1js.BmpString({ value: params.friendlyName ?? 'TEST eID Authentication' })] }),
  ];
  const keyBag = new pkijs.PKCS8ShroudedKeyBag({ parsedValue: pkijs.PrivateKeyInfo.fromBER(bufferOf(params.leaf.key.pkcs8)) });
  const certBag = (der: Buffer, attrs?: pkijs.Attribute[]) =>
    new pkijs.SafeBag({
      bagId: OID.certBag,
      bagValue: new pkijs.CertBag({ certId: OID.x509Certificate, parsedValue: pkijs.Certificate.fromBER(bufferOf(der)) }),
      ...(attrs ? { bagAttributes: attrs } : {}),
    });
  const encryption = { password, contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 }, hmacHashAlgorithm: 'SHA-256', iterationCount: ITERATIONS };

  const authenticatedSafe = new pkijs.AuthenticatedSafe({
    parsedValue: {
      safeContents: [
        { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [new pkijs.SafeBag({ bagId: OID.pkcs8ShroudedKeyBag, bagValue: keyBag, bagAttributes: attributes })] }) },
        { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: [certBag(params.leaf.der, attributes), ...params.chain.map((der) => certBag(der))] }) },
      ],
    },
  });
  await keyBag.makeInternalValues(encryption as never, engine);
  await authenticatedSafe.makeInternalValues({ safeContents: [{}, encryption] }, engine);
  const pfx = new pkijs.PFX({ parsedValue: { integrityMode: 0, authenticatedSafe } });
  await pfx.makeInternalValues({ password, iterations: ITERATIONS, pbkdf2HashAlgorithm: { name: 'SHA-256' }, hmacHashAlgorithm: 'SHA-256' } as never, engine);
  return Buffer.from(pfx.toSchema().toBER(false));
}
