// npm run bench: the same requests against bare oidc-provider and against capacity-idp in its
// embedded and PostgreSQL + Redis modes. Each server runs in its own process (one core each on
// a 2-core machine); this process drives a fixed number of keep-alive connections for a fixed
// time and reports throughput, latency percentiles, the server's memory and, for shared
// storage, Redis commands and PostgreSQL transactions per request (Redis counts the commands a
// Lua script runs, so one EVALSHA round trip shows as several commands).
//
//   BENCH_SECONDS=5 BENCH_CONNECTIONS=16 npm run bench
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Agent, request } from 'undici';
import { createTestDatabase, POSTGRES_URL, REDIS_URL, uniqueName } from '../test/support/services.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const AUTH = `Basic ${Buffer.from('bench:bench-secret-bench-secret-bench-secret').toString('base64')}`;
const RESOURCE = 'https://primaweb.demo.capacity-idp.test/api';

interface Target {
  name: string;
  script: string;
  env?: Record<string, string>;
  counters?: () => Promise<{ redis: number; pg: number }>;
}

async function startTarget(target: Target): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL(target.script, import.meta.url))], {
    env: { ...process.env, ...target.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    try {
      const { port } = JSON.parse(line) as { port: number };
      return { child, base: `http://127.0.0.1:${port}` };
    } catch {
      // not the port line
    }
  }
  throw new Error(`${target.name} exited before listening`);
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

interface Scenario {
  name: string;
  prepare?: (base: string, agent: Agent) => Promise<unknown>;
  send: (base: string, agent: Agent, prepared: unknown) => Promise<number>;
}

async function form(agent: Agent, url: string, body: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(url, {
    dispatcher: agent,
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

const scenarios: Scenario[] = [
  {
    name: 'discovery',
    send: async (base, agent) => {
      const res = await request(`${base}/.well-known/openid-configuration`, { dispatcher: agent });
      await res.body.dump();
      return res.statusCode;
    },
  },
  {
    name: 'client_credentials (opaque)',
    send: async (base, agent) => (await form(agent, `${base}/token`, { grant_type: 'client_credentials' })).status,
  },
  {
    name: 'client_credentials (JWT, resource)',
    send: async (base, agent) => (await form(agent, `${base}/token`, { grant_type: 'client_credentials', resource: RESOURCE })).status,
  },
  {
    name: 'introspection',
    prepare: async (base, agent) => (await form(agent, `${base}/token`, { grant_type: 'client_credentials' })).json.access_token,
    send: async (base, agent, token) => (await form(agent, `${base}/token/introspection`, { token: String(token) })).status,
  },
];

async function measure(base: string, scenario: Scenario, counters?: Target['counters']) {
  const agent = new Agent({ connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 10_000 });
  const prepared = await scenario.prepare?.(base, agent);
  const check = await scenario.send(base, agent, prepared);
  if (check !== 200) {
    await agent.close();
    return { skipped: `status ${check}` };
  }
  // Warm-up, so JIT and caches settle before counting.
  const warmUntil = Date.now() + 1000;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => { while (Date.now() < warmUntil) await scenario.send(base, agent, prepared); }));

  const before = await counters?.();
  const latencies: number[] = [];
  let errors = 0;
  const until = Date.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const t0 = performance.now();
        const status = await scenario.send(base, agent, prepared);
        latencies.push(performance.now() - t0);
        if (status !== 200) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const after = await counters?.();
  await agent.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  const n = latencies.length;
  return {
    rps: Math.round(n / elapsed),
    p50: pct(50).toFixed(1),
    p99: pct(99).toFixed(1),
    errors,
    ...(before && after ? { redisCmdsPerReq: ((after.redis - before.redis) / n).toFixed(2), pgPerReq: ((after.pg - before.pg) / n).toFixed(2) } : {}),
  };
}

async function main() {
  const db = await createTestDatabase('cidp_bench');
  const prefix = `${uniqueName('bench')}:`;
  const redis = new Redis(REDIS_URL);
  const dbName = new URL(db.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  const counters = async () => {
    const info = await redis.info('stats');
    // Our own INFO call adds one; negligible over thousands of requests.
    const redisCount = Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
    await admin.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await admin.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [dbName]);
    return { redis: redisCount, pg: Number(rows[0]?.n ?? 0) };
  };

  const targets: Target[] = [
    { name: 'bare oidc-provider', script: './bare-provider.ts' },
    { name: 'capacity-idp embedded', script: './capacity-server.ts', env: { IN_MEMORY: 'true' } },
    {
      name: 'capacity-idp PostgreSQL+Redis',
      script: './capacity-server.ts',
      env: { DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, MASTER_KEY: Buffer.alloc(32, 7).toString('base64') },
      counters,
    },
  ];

  console.log(`capacity-idp benchmark: ${SECONDS}s per scenario, ${CONNECTIONS} connections, node ${process.version}\n`);
  const rows: Record<string, unknown>[] = [];
  try {
    for (const target of targets) {
      const { child, base } = await startTarget(target);
      try {
        for (const scenario of scenarios) {
          const result = await measure(base, scenario, target.counters);
          rows.push({ server: target.name, scenario: scenario.name, ...result });
          console.log(JSON.stringify(rows.at(-1)));
        }
        rows.push({ server: target.name, scenario: 'memory after run', rssMiB: Math.round(rssOf(child.pid!)) });
        console.log(JSON.stringify(rows.at(-1)));
      } finally {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await admin.end();
    await db.drop();
  }
  console.log('');
  console.table(rows);
}

await main();
