// /metrics labels requests by endpoint name, never by raw path: ids (interaction uids, grant
// ids) must not become label values, or every login would add a time series.
import { browserGet, clientCredentials, getJson, startInProcess, type InProcessServer } from '../../support/ops.ts';

describe('/metrics', () => {
  let idp: InProcessServer;
  let secret: string;
  let interactionUid: string;
  let metrics: string;

  beforeAll(async () => {
    idp = await startInProcess({ IN_MEMORY: 'true', SEED_DEMO_DATA: 'true' });
    secret = idp.server.seeded!.newClientSecrets['demo-service']!;

    expect((await getJson(`${idp.base}/.well-known/openid-configuration`)).status).toBe(200);
    expect((await getJson(`${idp.base}/jwks`)).status).toBe(200);
    expect((await clientCredentials(idp.base, 'demo-service', secret)).status).toBe(200);
    expect((await clientCredentials(idp.base, 'demo-service', secret)).status).toBe(200);
    expect((await clientCredentials(idp.base, 'demo-service', 'wrong')).status).toBe(401);

    const authorization = await browserGet(
      `${idp.base}/auth?${new URLSearchParams({ client_id: 'primaweb', response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:3000/callback', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`,
    );
    const location = authorization.headers.get('location')!;
    interactionUid = location.split('/').at(-1)!;
    const cookie = authorization.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    expect((await browserGet(`${idp.base}${location}`, { cookie })).status).toBe(200);
    expect((await browserGet(`${idp.base}/no/such/${interactionUid}`)).status).toBe(404);

    const response = await fetch(`${idp.base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    metrics = await response.text();
  });

  afterAll(async () => {
    await idp?.close();
  });

  test('requests are counted by endpoint name', () => {
    expect(metrics).toMatch(/capacity_idp_http_requests_total\{route="token",method="POST",status="200"\} 2/);
    expect(metrics).toMatch(/capacity_idp_http_requests_total\{route="token",method="POST",status="401"\} 1/);
    expect(metrics).toMatch(/capacity_idp_http_requests_total\{route="discovery",method="GET",status="200"\} 1/);
    expect(metrics).toMatch(/capacity_idp_http_requests_total\{route="jwks",method="GET",status="200"\} 1/);
    expect(metrics).toMatch(/capacity_idp_http_requests_total\{route="authorization",method="GET",status="303"\} 1/);
    // Our own routes carry their pattern, with the parameter's name rather than its value.
    expect(metrics).toMatch(/capacity_idp_http_requests_total\{route="\/interaction\/:uid",method="GET",status="200"\} 1/);
    expect(metrics).toMatch(/capacity_idp_http_requests_total\{route="other",method="GET",status="404"\} 1/);
    expect(metrics).toMatch(/capacity_idp_http_request_duration_seconds_bucket\{le="[^"]+",route="token",method="POST"\}/);
  });

  test('grants are counted by type and outcome', () => {
    expect(metrics).toMatch(/capacity_idp_grants_total\{grant_type="client_credentials",outcome="success"\} 2/);
    expect(metrics).toMatch(/capacity_idp_grants_total\{grant_type="client_credentials",outcome="invalid_client"\} 1/);
  });

  test('no label carries a raw path or an id', () => {
    expect(metrics).not.toContain(interactionUid);
    const routes = new Set([...metrics.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
    for (const route of routes) expect(route).toMatch(/^([a-z_]+|\/[a-z]+(\/:[a-z]+)*)$/);
    expect(routes).toContain('other');
  });
});
