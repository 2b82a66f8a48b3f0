// The artifact adapter contract, specified once and run against both stores: the embedded
// in-process store and Redis. oidc-provider's own contract is example/my_adapter.js upstream.
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Provider, type Adapter, type AdapterPayload } from 'oidc-provider';
import { createMemoryAdapterFactory } from '../../src/store/artifacts/memory-adapter.ts';
import { createRedisAdapterFactory } from '../../src/store/artifacts/redis-adapter.ts';
import { StorageUnavailableError } from '../../src/store/errors.ts';
import { connectRedis } from '../../src/store/redis.ts';
import { deleteRedisKeys, haveRedis, REDIS_URL, redisKeys, uniqueName } from '../support/services.ts';

type AdapterFactory = (model: string) => Adapter;

interface Backend {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  adapters(options: { clockToleranceSeconds: number }): AdapterFactory;
}

function memoryBackend(): Backend {
  const opened: { close(): void }[] = [];
  return {
    name: 'embedded memory store',
    async setUp() {},
    async tearDown() { opened.splice(0).forEach((store) => store.close()); },
    adapters(options) {
      const store = createMemoryAdapterFactory(options);
      opened.push(store);
      return store.factory;
    },
  };
}

const prefix = `${uniqueName('cidp_artifacts')}:`;
let redis: Redis | undefined;

/** Keys under this run's prefix. */
const keysUnderPrefix = () => redisKeys(`${prefix}*`);

function redisBackend(): Backend {
  return {
    name: 'Redis',
    async setUp() {
      redis = connectRedis(REDIS_URL, { keyPrefix: prefix, lazyConnect: true });
      await redis.connect();
    },
    async tearDown() {
      const keys = await keysUnderPrefix();
      const client = redis!;
      // The connection prefixes keys itself, so strip ours before deleting through it.
      if (keys.length > 0) await client.del(...keys.map((k) => k.slice(prefix.length)));
      client.disconnect();
      redis = undefined;
    },
    adapters(options) {
      return createRedisAdapterFactory(redis!, options);
    },
  };
}

const backends: Backend[] = [memoryBackend()];
if (await haveRedis()) backends.push(redisBackend());

const ALL_MODELS = [
  'Session', 'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'ClientCredentials', 'Client',
  'InitialAccessToken', 'RegistrationAccessToken', 'Interaction', 'ReplayDetection', 'PushedAuthorizationRequest',
  'Grant', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode',
];

let sequence = 0;
const newId = (label: string) => `${label}-${Date.now().toString(36)}-${(sequence += 1)}`;
const epoch = () => Math.floor(Date.now() / 1000);

function tokenPayload(kind: string, extra: Record<string, unknown> = {}): AdapterPayload {
  const iat = epoch();
  return { kind, jti: newId(kind), iat, exp: iat + 60, clientId: 'client-a', accountId: 'account-1', ...extra } as AdapterPayload;
}

describe.each(backends)('artifact adapter on the $name', (backend) => {
  let adapters: AdapterFactory;
  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());
  beforeEach(() => { adapters = backend.adapters({ clockToleranceSeconds: 15 }); });

  describe('upsert and find', () => {
    it.each(ALL_MODELS)('stores a record of model %s and finds it back unchanged', async (model) => {
      const id = newId(model);
      const payload = tokenPayload(model, {
        scope: 'openid profile', amr: ['eid'], claims: { id_token: { acr: { essential: true } } }, rejected: [],
        'x5t#S256': 'thumb', extra: { mandate: { entity: 'CPAS Namur', role: 'social worker' } },
      });
      await adapters(model).upsert(id, payload, 60);
      expect(await adapters(model).find(id)).toEqual(payload);
    });

    it('finds nothing for an id never stored, by id, uid or user code', async () => {
      expect(await adapters('AccessToken').find(newId('unknown'))).toBeUndefined();
      expect(await adapters('Session').findByUid(newId('unknown'))).toBeUndefined();
      expect(await adapters('DeviceCode').findByUserCode(newId('unknown'))).toBeUndefined();
    });

    it('keeps models apart: the same id under two models is two records', async () => {
      const id = newId('shared');
      await adapters('AccessToken').upsert(id, tokenPayload('AccessToken'), 60);
      expect(await adapters('RefreshToken').find(id)).toBeUndefined();
    });

    it('replaces the whole record on a second upsert', async () => {
      const id = newId('at');
      await adapters('AccessToken').upsert(id, tokenPayload('AccessToken', { scope: 'openid email' }), 60);
      const replacement = tokenPayload('AccessToken', { scope: 'openid' });
      await adapters('AccessToken').upsert(id, replacement, 60);
      expect(await adapters('AccessToken').find(id)).toEqual(replacement);
    });

    it('finds a Session by its uid and a DeviceCode by its user code', async () => {
      const sessionId = newId('session');
      const session = { kind: 'Session', jti: sessionId, uid: newId('uid'), accountId: 'account-1' } as AdapterPayload;
      await adapters('Session').upsert(sessionId, session, 60);
      expect(await adapters('Session').findByUid(session.uid!)).toEqual(session);

      const deviceCodeId = newId('dc');
      const deviceCode = tokenPayload('DeviceCode', { userCode: newId('UC') });
      await adapters('DeviceCode').upsert(deviceCodeId, deviceCode, 60);
      expect(await adapters('DeviceCode').findByUserCode(deviceCode.userCode!)).toEqual(deviceCode);
    });

    it('keeps a Session findable by uid when it is re-saved under a new id and the old id destroyed', async () => {
      const uid = newId('uid');
      const [oldId, newSessionId] = [newId('session'), newId('session')];
      await adapters('Session').upsert(oldId, { kind: 'Session', jti: oldId, uid } as AdapterPayload, 60);
      await adapters('Session').upsert(newSessionId, { kind: 'Session', jti: newSessionId, uid } as AdapterPayload, 60);
      await adapters('Session').destroy(oldId);
      expect((await adapters('Session').findByUid(uid))?.jti).toBe(newSessionId);
    });

    it('serves replay detection: a jti is unseen, then seen until it expires', async () => {
      const replay = backend.adapters({ clockToleranceSeconds: 0 })('ReplayDetection');
      const id = newId('replay');
      expect(await replay.find(id)).toBeUndefined();
      await replay.upsert(id, { kind: 'ReplayDetection', jti: id, iss: 'client-a' } as AdapterPayload, 1);
      expect(await replay.find(id)).toMatchObject({ jti: id, iss: 'client-a' });
      await sleep(1100);
      expect(await replay.find(id)).toBeUndefined();
    });
  });

  describe('expiry', () => {
    it('drops a record, its uid and user code lookups once expiresIn has passed', async () => {
      const strict = backend.adapters({ clockToleranceSeconds: 0 });
      const [tokenId, sessionId, deviceCodeId] = [newId('at'), newId('session'), newId('dc')];
      const uid = newId('uid');
      const userCode = newId('UC');
      await strict('AccessToken').upsert(tokenId, tokenPayload('AccessToken'), 1);
      await strict('Session').upsert(sessionId, { kind: 'Session', jti: sessionId, uid } as AdapterPayload, 1);
      await strict('DeviceCode').upsert(deviceCodeId, tokenPayload('DeviceCode', { userCode }), 1);
      expect(await strict('AccessToken').find(tokenId)).toBeDefined();

      await sleep(1100);
      expect(await strict('AccessToken').find(tokenId)).toBeUndefined();
      expect(await strict('Session').find(sessionId)).toBeUndefined();
      expect(await strict('Session').findByUid(uid)).toBeUndefined();
      expect(await strict('DeviceCode').findByUserCode(userCode)).toBeUndefined();
    });

    it('pads the lifetime with the clock tolerance', async () => {
      const tolerant = backend.adapters({ clockToleranceSeconds: 1 });
      const id = newId('at');
      await tolerant('AccessToken').upsert(id, tokenPayload('AccessToken'), 1);
      await sleep(1300);
      expect(await tolerant('AccessToken').find(id)).toBeDefined();
      await sleep(900);
      expect(await tolerant('AccessToken').find(id)).toBeUndefined();
    });

    it('stores nothing when the padded lifetime is already over', async () => {
      const strict = backend.adapters({ clockToleranceSeconds: 0 });
      const id = newId('replay');
      await strict('ReplayDetection').upsert(id, { kind: 'ReplayDetection', jti: id } as AdapterPayload, -5);
      expect(await strict('ReplayDetection').find(id)).toBeUndefined();
    });
  });

  describe('consume', () => {
    it('marks a record consumed (epoch seconds) and find returns that with the payload', async () => {
      const id = newId('code');
      const payload = tokenPayload('AuthorizationCode');
      await adapters('AuthorizationCode').upsert(id, payload, 60);
      const before = epoch();
      await adapters('AuthorizationCode').consume(id);
      const found = await adapters('AuthorizationCode').find(id);
      expect(found).toEqual({ ...payload, consumed: expect.any(Number) });
      expect(found!.consumed).toBeGreaterThanOrEqual(before);
      expect(found!.consumed).toBeLessThanOrEqual(epoch());
    });

    it('keeps the first consumed mark when a consumed record is saved again and consumed again', async () => {
      const id = newId('rt');
      await adapters('RefreshToken').upsert(id, tokenPayload('RefreshToken'), 60);
      await adapters('RefreshToken').consume(id);
      const consumed = await adapters('RefreshToken').find(id);
      await adapters('RefreshToken').upsert(id, { ...consumed!, consumed: 1_700_000_000 }, 60);
      await adapters('RefreshToken').consume(id);
      expect((await adapters('RefreshToken').find(id))?.consumed).toBe(1_700_000_000);
    });

    it('does not create a record when consuming an id that is not stored', async () => {
      const id = newId('code');
      await adapters('AuthorizationCode').consume(id);
      expect(await adapters('AuthorizationCode').find(id)).toBeUndefined();
    });

    it('settles concurrent consume calls on one consumed record with one timestamp', async () => {
      const id = newId('code');
      const payload = tokenPayload('AuthorizationCode');
      await adapters('AuthorizationCode').upsert(id, payload, 60);
      const code = adapters('AuthorizationCode');
      const results = await Promise.allSettled(Array.from({ length: 25 }, () => code.consume(id)));
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      const reads = await Promise.all(Array.from({ length: 5 }, () => code.find(id)));
      expect(new Set(reads.map((r) => r?.consumed)).size).toBe(1);
      expect(reads[0]).toEqual({ ...payload, consumed: expect.any(Number) });
    });
  });

  describe('destroy', () => {
    it('removes the record and the uid lookup of a Session', async () => {
      const id = newId('session');
      const uid = newId('uid');
      await adapters('Session').upsert(id, { kind: 'Session', jti: id, uid } as AdapterPayload, 60);
      await adapters('Session').destroy(id);
      expect(await adapters('Session').find(id)).toBeUndefined();
      expect(await adapters('Session').findByUid(uid)).toBeUndefined();
    });

    it('removes the record and the user code lookup of a DeviceCode', async () => {
      const id = newId('dc');
      const userCode = newId('UC');
      await adapters('DeviceCode').upsert(id, tokenPayload('DeviceCode', { userCode }), 60);
      await adapters('DeviceCode').destroy(id);
      expect(await adapters('DeviceCode').find(id)).toBeUndefined();
      expect(await adapters('DeviceCode').findByUserCode(userCode)).toBeUndefined();
    });

    it('is a no-op for an id that is not stored', async () => {
      await expect(adapters('AccessToken').destroy(newId('missing'))).resolves.toBeUndefined();
    });

    it('takes a destroyed token out of its grant, leaving the others to revocation', async () => {
      const grantId = newId('grant');
      const [kept, destroyed] = [newId('at'), newId('at')];
      await adapters('AccessToken').upsert(kept, tokenPayload('AccessToken', { grantId }), 60);
      await adapters('AccessToken').upsert(destroyed, tokenPayload('AccessToken', { grantId }), 60);
      await adapters('AccessToken').destroy(destroyed);
      await adapters('AccessToken').revokeByGrantId(grantId);
      expect(await adapters('AccessToken').find(kept)).toBeUndefined();
    });
  });

  describe('revokeByGrantId', () => {
    it('removes every member of the grant across models, and nothing else', async () => {
      const grantId = newId('grant');
      const otherGrantId = newId('grant');
      const members = {
        AccessToken: newId('at'), RefreshToken: newId('rt'), AuthorizationCode: newId('code'),
        DeviceCode: newId('dc'), BackchannelAuthenticationRequest: newId('ciba'), PreAuthorizedCode: newId('pac'),
      };
      const userCode = newId('UC');
      for (const [model, id] of Object.entries(members)) {
        await adapters(model).upsert(id, tokenPayload(model, { grantId, ...(model === 'DeviceCode' ? { userCode } : {}) }), 60);
      }
      const otherToken = newId('at');
      await adapters('AccessToken').upsert(otherToken, tokenPayload('AccessToken', { grantId: otherGrantId }), 60);
      const grant = newId('grant-record');
      await adapters('Grant').upsert(grant, { kind: 'Grant', jti: grant, accountId: 'account-1', clientId: 'client-a' } as AdapterPayload, 60);
      const sessionId = newId('session');
      await adapters('Session').upsert(sessionId, { kind: 'Session', jti: sessionId, uid: newId('uid') } as AdapterPayload, 60);

      await adapters('RefreshToken').revokeByGrantId(grantId);

      for (const [model, id] of Object.entries(members)) expect(await adapters(model).find(id)).toBeUndefined();
      expect(await adapters('DeviceCode').findByUserCode(userCode)).toBeUndefined();
      expect(await adapters('AccessToken').find(otherToken)).toBeDefined();
      expect(await adapters('Grant').find(grant)).toBeDefined();
      expect(await adapters('Session').find(sessionId)).toBeDefined();
    });

    it('is a no-op for an unknown grant', async () => {
      await expect(adapters('AccessToken').revokeByGrantId(newId('grant'))).resolves.toBeUndefined();
    });

    it('keeps the grant index as long as its longest-lived member, whatever the order of saving', async () => {
      const strict = backend.adapters({ clockToleranceSeconds: 0 });
      const grantId = newId('grant');
      const [longLived, shortLived] = [newId('rt'), newId('at')];
      await strict('RefreshToken').upsert(longLived, tokenPayload('RefreshToken', { grantId }), 3);
      await strict('AccessToken').upsert(shortLived, tokenPayload('AccessToken', { grantId }), 1);
      await sleep(1200);
      // A new member after the short one expired must neither drop nor shorten the long one.
      const late = newId('at');
      await strict('AccessToken').upsert(late, tokenPayload('AccessToken', { grantId }), 1);
      await sleep(1200);
      expect(await strict('RefreshToken').find(longLived)).toBeDefined();
      await strict('RefreshToken').revokeByGrantId(grantId);
      expect(await strict('RefreshToken').find(longLived)).toBeUndefined();
    });
  });

  describe('behind a real oidc-provider', () => {
    it('issues an opaque client_credentials token, introspects it active, revokes it, then inactive', async () => {
      const adapter = backend.adapters({ clockToleranceSeconds: 15 });
      const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
      const provider = new Provider('http://localhost', {
        adapter,
        jwks: { keys: [{ ...signingKey, kid: 'test-signing-key', use: 'sig', alg: 'RS256' }] },
        clients: [{
          client_id: 'service-a', client_secret: 'a-long-enough-client-secret-for-tests',
          grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
        }],
        features: {
          devInteractions: { enabled: false },
          clientCredentials: { enabled: true },
          // A service may look at and revoke only its own tokens.
          introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
          revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
        },
        ttl: { ClientCredentials: 600 },
      });
      const server = http.createServer(provider.callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const basic = `Basic ${Buffer.from('service-a:a-long-enough-client-secret-for-tests').toString('base64')}`;
      const post = async (path: string, form: Record<string, string>) => {
        const response = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
      };
      try {
        const issued = await post('/token', { grant_type: 'client_credentials' });
        expect(issued).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
        const token = issued.body.access_token as string;
        expect(token.split('.')).toHaveLength(1);
        expect(await adapter('ClientCredentials').find(token)).toMatchObject({ clientId: 'service-a' });

        const active = await post('/token/introspection', { token });
        expect(active.body).toMatchObject({ active: true, client_id: 'service-a' });

        expect((await post('/token/revocation', { token })).status).toBe(200);
        expect(await adapter('ClientCredentials').find(token)).toBeUndefined();

        expect((await post('/token/introspection', { token })).body).toEqual({ active: false });
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});

const describeRedis = backends.some((b) => b.name === 'Redis') ? describe : describe.skip;

describeRedis('Redis artifact adapter specifics', () => {
  const layoutPrefix = `${uniqueName('cidp_layout')}:`;
  let client: Redis;
  let admin: Redis;
  beforeAll(async () => {
    client = connectRedis(REDIS_URL, { keyPrefix: layoutPrefix, lazyConnect: true });
    admin = connectRedis(REDIS_URL, { lazyConnect: true });
    await Promise.all([client.connect(), admin.connect()]);
  });
  afterAll(async () => {
    await deleteRedisKeys(layoutPrefix);
    client.disconnect();
    admin.disconnect();
  });

  it('gives every key it writes an expiry, and the grant the expiry of its longest member', async () => {
    const adapters = createRedisAdapterFactory(client, { clockToleranceSeconds: 5 });
    const grantId = newId('grant');
    await adapters('AccessToken').upsert('at-1', tokenPayload('AccessToken', { grantId }), 60);
    await adapters('RefreshToken').upsert('rt-1', tokenPayload('RefreshToken', { grantId }), 600);
    await adapters('AccessToken').upsert('at-2', tokenPayload('AccessToken', { grantId }), 30);
    await adapters('Session').upsert('s-1', { kind: 'Session', jti: 's-1', uid: 'u-1' } as AdapterPayload, 120);
    await adapters('DeviceCode').upsert('dc-1', tokenPayload('DeviceCode', { userCode: 'UC-1' }), 90);

    const keys = await admin.keys(`${layoutPrefix}*`);
    // 3 tokens, their grant, a session and its uid lookup, a device code and its user code lookup.
    expect(keys).toHaveLength(8);
    for (const key of keys) expect(await admin.pttl(key)).toBeGreaterThan(0);
    const grantTtl = await admin.pttl(`${layoutPrefix}grant:${grantId}`);
    expect(grantTtl).toBeGreaterThan(600_000);
    expect(grantTtl).toBeLessThanOrEqual(605_000);
    expect(await admin.pttl(`${layoutPrefix}uid:Session:u-1`)).toBeGreaterThan(120_000);
  });

  it('prunes expired members from a grant when a new member joins, so grants do not grow forever', async () => {
    const adapters = createRedisAdapterFactory(client, { clockToleranceSeconds: 0 });
    const grantId = newId('grant');
    await adapters('AccessToken').upsert('short-1', tokenPayload('AccessToken', { grantId }), 1);
    await adapters('AccessToken').upsert('short-2', tokenPayload('AccessToken', { grantId }), 1);
    await sleep(1100);
    await adapters('RefreshToken').upsert('long-1', tokenPayload('RefreshToken', { grantId }), 60);
    expect(await admin.zrange(`${layoutPrefix}grant:${grantId}`, '0', '-1')).toEqual(['RefreshToken:long-1']);
  });

  it('leaves no key behind once everything is destroyed or revoked', async () => {
    const isolated = `${uniqueName('cidp_empty')}:`;
    const own = connectRedis(REDIS_URL, { keyPrefix: isolated, lazyConnect: true });
    await own.connect();
    try {
      const adapters = createRedisAdapterFactory(own, { clockToleranceSeconds: 15 });
      const grantId = newId('grant');
      await adapters('AccessToken').upsert('at', tokenPayload('AccessToken', { grantId }), 60);
      await adapters('DeviceCode').upsert('dc', tokenPayload('DeviceCode', { grantId, userCode: 'UC' }), 60);
      await adapters('Session').upsert('s', { kind: 'Session', jti: 's', uid: 'u' } as AdapterPayload, 60);
      await adapters('Interaction').upsert('i', { kind: 'Interaction', jti: 'i', uid: 'u' } as AdapterPayload, 60);
      await adapters('AccessToken').revokeByGrantId(grantId);
      await adapters('Session').destroy('s');
      await adapters('Interaction').destroy('i');
      expect(await admin.keys(`${isolated}*`)).toEqual([]);
    } finally {
      own.disconnect();
    }
  });

  it('answers StorageUnavailableError, fast, for every operation while Redis is unreachable', async () => {
    const unreachable = connectRedis('redis://127.0.0.1:1', { keyPrefix: 'never:' });
    try {
      const adapters = createRedisAdapterFactory(unreachable, { clockToleranceSeconds: 15 });
      const token = adapters('AccessToken');
      const started = Date.now();
      const operations: (() => Promise<unknown>)[] = [
        () => token.upsert('id', tokenPayload('AccessToken'), 60),
        () => token.find('id'),
        () => adapters('Session').findByUid('uid'),
        () => adapters('DeviceCode').findByUserCode('code'),
        () => token.consume('id'),
        () => token.destroy('id'),
        () => token.revokeByGrantId('grant'),
      ];
      for (const operation of operations) {
        const error = await operation().then(() => undefined, (err: unknown) => err);
        expect(error).toBeInstanceOf(StorageUnavailableError);
        expect(error).toMatchObject({ backend: 'redis', status: 503, error: 'temporarily_unavailable' });
      }
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      unreachable.disconnect();
    }
  });

  it('fails fast while the connection is cut, then recovers by itself once Redis is back', async () => {
    const proxy = await tcpProxyToRedis();
    const flaky = connectRedis(`redis://127.0.0.1:${proxy.port}`, { keyPrefix: layoutPrefix, lazyConnect: true });
    await flaky.connect();
    try {
      const sessions = createRedisAdapterFactory(flaky, { clockToleranceSeconds: 15 })('Session');
      await sessions.upsert('survivor', { kind: 'Session', jti: 'survivor', uid: 'survivor-uid' } as AdapterPayload, 60);

      await proxy.cut();
      const started = Date.now();
      await expect(sessions.find('survivor')).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(Date.now() - started).toBeLessThan(1000);

      await proxy.restore();
      await once(flaky, 'ready');
      expect(await sessions.findByUid('survivor-uid')).toMatchObject({ jti: 'survivor' });
    } finally {
      flaky.disconnect();
      await proxy.close();
    }
  });
});

/** A TCP relay to Redis whose link can be cut and restored, standing in for a network outage. */
async function tcpProxyToRedis() {
  const target = new URL(REDIS_URL);
  const sockets = new Set<net.Socket>();
  const listen = (port: number) => {
    const server = net.createServer((inbound) => {
      const outbound = net.connect(Number(target.port || 6379), target.hostname);
      for (const socket of [inbound, outbound]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => { inbound.destroy(); outbound.destroy(); });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    return new Promise<net.Server>((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
  };
  let server: net.Server | undefined = await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise((resolve) => closing.close(resolve));
  };
  return {
    port,
    cut: stop,
    async restore() { server = await listen(port); },
    close: stop,
  };
}
