// A throwaway redis-server of the test's own, on its own port, that a test may kill and start
// again on the same port to simulate an outage. Nothing is persisted (no RDB, no AOF).
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './tcp-proxy.ts';

export interface ThrowawayRedis {
  readonly port: number;
  readonly url: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Kills the server (SIGKILL by default: an abrupt outage) and waits until it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
}

const READY_TIMEOUT_MS = 5_000;

function launch(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} not ready within ${READY_TIMEOUT_MS} ms:\n${output}`));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        // Keep draining its output so a full pipe never blocks the server.
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)); });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts redis-server on a free port. Check `haveRedisServerBinary()` first. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    get running() {
      return child !== undefined;
    },
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (!child) return;
      const current = child;
      child = undefined;
      current.kill(signal);
      await exited(current);
    },
    async start() {
      if (child) return;
      child = await launch(port);
    },
  };
}

/** Whether a redis-server binary is on the PATH. */
export function haveRedisServerBinary(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    probe.once('error', () => resolve(false));
    probe.once('exit', (code) => resolve(code === 0));
  });
}
