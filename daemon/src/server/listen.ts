/**
 * The daemon's two listeners — the TCP port for apps and the unix socket (0600) for the editor — with
 * in-flight tracking so that a stop lets running streams finish up to a deadline.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Via } from './app.js';

export interface Listeners {
  port: number;
  host: string;
  socketPath: string;
  /** Stops accepting, waits for in-flight requests up to graceMs, then cuts what is left. */
  stop(graceMs: number): Promise<void>;
}

type Handle = (req: IncomingMessage, res: ServerResponse, via: Via) => Promise<void>;

export async function listen(handle: Handle, opts: { host: string; port: number; socketPath: string }): Promise<Listeners> {
  const inFlight = new Set<ServerResponse>();
  const make = (via: Via): Server => {
    const server = createServer((req, res) => {
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
      void handle(req, res, via);
    });
    server.keepAliveTimeout = 65_000; // longer than common client pools, so reused sockets are not cut mid-request
    server.headersTimeout = 66_000;
    server.requestTimeout = 0; // streams may run long; deadlines belong to the gateway
    return server;
  };
  const tcp = make('tcp');
  const unix = make('socket');

  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(opts.port, opts.host, () => resolve());
  });
  try {
    await prepareSocketPath(opts.socketPath);
    // The umask makes the socket 0600 from its first instant; chmod after listen would leave a window.
    const old = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        unix.once('error', reject);
        unix.listen(opts.socketPath, () => resolve());
      });
    } finally {
      process.umask(old);
    }
  } catch (e) {
    tcp.close();
    throw e;
  }
  const address = tcp.address() as net.AddressInfo;

  return {
    port: address.port,
    host: opts.host,
    socketPath: opts.socketPath,
    async stop(graceMs: number) {
      const closed = Promise.all([tcp, unix].map((s) => new Promise<void>((r) => s.close(() => r()))));
      tcp.closeIdleConnections();
      unix.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      for (const res of inFlight) res.destroy();
      tcp.closeAllConnections();
      unix.closeAllConnections();
      await closed;
      if (existsSync(opts.socketPath)) unlinkSync(opts.socketPath);
    },
  };
}

/** A socket file left by a crashed daemon is removed; one that still answers belongs to a live daemon. */
async function prepareSocketPath(socketPath: string): Promise<void> {
  if (!existsSync(socketPath)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`Another Switchboard daemon is already listening on ${socketPath}. Stop it first, or use another SWITCHBOARD_HOME.`);
  unlinkSync(socketPath);
}
