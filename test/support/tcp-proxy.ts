// A small TCP proxy between the service and a real backend, so a test can "cut the cable":
// cut() destroys every open connection and refuses new ones (the port is closed), restore()
// listens again on the same port.
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** host:port of the proxy, to put in a connection URL instead of the backend's. */
  readonly address: string;
  /** Open client connections right now. */
  readonly connections: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it; it is released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const createServer = () =>
    net.createServer((client) => {
      const upstream = net.connect(target);
      track(client);
      track(upstream);
      // Either side failing ends both, as a broken cable would.
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });

  let server: net.Server | undefined = createServer();
  const port = await listen(server, 0);
  let clients = 0;
  const count = () => {
    clients = 0;
    for (const s of sockets) if (s.localPort === port) clients++;
    return clients;
  };

  const shut = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  return {
    port,
    address: `127.0.0.1:${port}`,
    get connections() {
      return count();
    },
    cut: shut,
    async restore() {
      if (server) return;
      server = createServer();
      await listen(server, port);
    },
    close: shut,
  };
}
