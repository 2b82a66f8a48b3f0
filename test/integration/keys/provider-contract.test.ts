// The key set is what oidc-provider expects for its `jwks` option, and the provider publishes it
// in our order, so the first key per alg (the one it signs with) is the one we made active.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Provider } from 'oidc-provider';
import { deriveSecrets, generateMasterKey } from '../../../src/crypto/secrets.ts';
import { ensureSigningKeys, loadKeySet, rotateSigningKeys } from '../../../src/keys/signing-keys.ts';
import type { Database } from '../../../src/store/database.ts';
import { freshEmbedded } from './key-databases.ts';

describe('the key set as oidc-provider configuration', () => {
  const secrets = deriveSecrets(generateMasterKey());
  let db: Database;
  let server: Server | undefined;

  beforeEach(async () => {
    db = await freshEmbedded();
  });
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    await db.close();
  });

  it('is accepted by oidc-provider, which publishes the public keys in the same order', async () => {
    await ensureSigningKeys(db, secrets);
    await rotateSigningKeys(db, secrets, { activationDelaySeconds: 3600, longestTokenLifetimeSeconds: 3600 });
    const keySet = await loadKeySet(db, secrets);

    const provider = new Provider('http://127.0.0.1', { jwks: keySet.jwks, features: { devInteractions: { enabled: false } } });
    server = createServer(provider.callback());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const published = (await (await fetch(`http://127.0.0.1:${port}/jwks`)).json()) as { keys: { kid: string; d?: string }[] };

    expect(published.keys.map((k) => k.kid)).toEqual(keySet.publicJwks.keys.map((k) => k.kid));
    expect(published.keys.every((k) => k.d === undefined)).toBe(true);
  });
});
