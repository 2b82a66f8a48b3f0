// `npm run demo:primaweb`: the PrimaWeb demo relying party against a running provider.
//   PRIMAWEB_CLIENT_SECRET  the secret the provider printed for `primaweb` at its first start (required)
//   PRIMAWEB_ISSUER         the provider (default https://localhost:8443)
//   PRIMAWEB_PORT           3000 by default: the seeded redirect URIs name that port
//   PRIMAWEB_SCHEME         https (https://localhost:3000, generated certificate) or http (http://127.0.0.1:3000)
//   PRIMAWEB_PROVIDER_CA    PEM file to trust for the provider, e.g. data/tls.crt (or NODE_EXTRA_CA_CERTS)
//   PRIMAWEB_TLS_CERT / PRIMAWEB_TLS_KEY   PrimaWeb's own certificate instead of a generated one
import { readFileSync } from 'node:fs';
import { startPrimaweb } from './app.ts';

function fail(message: string): never {
  console.error(`primaweb: ${message}`);
  process.exit(2);
}

const env = process.env;
const clientSecret = env.PRIMAWEB_CLIENT_SECRET;
if (!clientSecret) fail('set PRIMAWEB_CLIENT_SECRET to the secret the provider printed for the client "primaweb" at its first start');
const scheme = env.PRIMAWEB_SCHEME ?? 'https';
if (scheme !== 'https' && scheme !== 'http') fail('PRIMAWEB_SCHEME is https or http');
const port = Number(env.PRIMAWEB_PORT ?? '3000');
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('PRIMAWEB_PORT is a port number');
if ((env.PRIMAWEB_TLS_CERT === undefined) !== (env.PRIMAWEB_TLS_KEY === undefined)) fail('set both PRIMAWEB_TLS_CERT and PRIMAWEB_TLS_KEY, or neither');

const app = await startPrimaweb({
  issuer: env.PRIMAWEB_ISSUER ?? 'https://localhost:8443',
  clientId: env.PRIMAWEB_CLIENT_ID ?? 'primaweb',
  clientSecret,
  scheme,
  port,
  ...(env.PRIMAWEB_PROVIDER_CA ? { providerCa: readFileSync(env.PRIMAWEB_PROVIDER_CA, 'utf8') } : {}),
  ...(env.PRIMAWEB_TLS_CERT && env.PRIMAWEB_TLS_KEY ? { tls: { cert: readFileSync(env.PRIMAWEB_TLS_CERT, 'utf8'), key: readFileSync(env.PRIMAWEB_TLS_KEY, 'utf8') } } : {}),
  log: (message) => console.log(`primaweb: ${message}`),
});
console.log(`PrimaWeb demo: ${app.url}/  (redirect URI ${app.redirectUri}, back-channel logout ${app.backchannelLogoutUri})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
