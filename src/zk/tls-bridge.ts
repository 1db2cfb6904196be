// The TLS bridge: the C client connects to a loopback listener of ours per server of the connect string, and
// each connection is carried to its server over node:tls (DESIGN §7). Bytes pass as they come, both ways: a
// server that stops answering stops answering the C client too, so every timeout and lease rule is unchanged.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, createServer, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { parseConnect } from './connect-string.js';
import { type ZkTlsOptions, tlsFailure } from './tls.js';

/** One server of the connect string and the loopback port standing in for it. */
interface Route {
  host: string;
  port: number;
  server: Server;
  local: number;
}

// The inode of the TCP socket 127.0.0.1:from → 127.0.0.1:to, from /proc/net/tcp (little-endian hex addresses).
function socketInode(from: number, to: number): string | undefined {
  const hex = (port: number) => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === hex(from) && f[2] === hex(to)) return f[9];
  }
  return undefined;
}

/** True when the peer of `sock` (accepted on a loopback listener) is a socket this process holds. */
function fromThisProcess(sock: Socket, listenPort: number): boolean {
  try {
    const inode = socketInode(sock.remotePort ?? 0, listenPort);
    if (!inode) return false;
    const target = `socket:[${inode}]`;
    return readdirSync('/proc/self/fd').some((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === target;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Loopback listeners for the servers of a connect string, each piping to its server over TLS. Connections from
 * other processes are refused. A TLS failure closes the loopback side at once, so the C client moves on to
 * the next server; `onFailure` hears it once per server until that server succeeds again.
 */
export class TlsBridge {
  readonly #routes: Route[];
  readonly #sockets = new Set<Socket>();
  /** server (`host:port`) → why its last connection failed; cleared when one succeeds */
  readonly failures = new Map<string, string>();

  private constructor(
    routes: Route[],
    readonly connectString: string
  ) {
    this.#routes = routes;
  }

  /** How many servers the connect string names. */
  get servers(): number {
    return this.#routes.length;
  }

  /** Starts one listener per server of `connect` (chroot kept). Rejects when a listener cannot bind. */
  static async start(
    connect: string,
    tls: ZkTlsOptions,
    onFailure: (server: string, reason: string) => void = () => {}
  ): Promise<TlsBridge> {
    const { servers, chroot } = parseConnect(connect);
    const routes: Route[] = [];
    for (const s of servers) {
      const server = createServer({ pauseOnConnect: true, noDelay: true });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject).listen(0, '127.0.0.1', () => resolve());
      });
      routes.push({ ...s, server, local: (server.address() as AddressInfo).port });
    }
    const local = routes.map((r) => `127.0.0.1:${r.local}`).join(',');
    const bridge = new TlsBridge(routes, `${local}${chroot}`);
    for (const r of routes) r.server.on('connection', (sock) => bridge.#carry(r, sock, tls, onFailure));
    return bridge;
  }

  #carry(r: Route, sock: Socket, tls: ZkTlsOptions, onFailure: (server: string, reason: string) => void): void {
    const name = `${r.host}:${r.port}`;
    if (!fromThisProcess(sock, r.local)) {
      sock.destroy();
      return;
    }
    this.#sockets.add(sock);
    const tlsSock = tlsConnect({
      host: r.host,
      port: r.port,
      servername: tls.servername ?? (isIP(r.host) ? undefined : r.host),
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      passphrase: tls.passphrase,
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
      minVersion: 'TLSv1.2',
    });
    this.#sockets.add(tlsSock);
    tlsSock.setNoDelay(true);
    // Done only once the server has answered through it: under TLS 1.3 the server checks our certificate after
    // the client side considers the handshake complete, and refuses it with an alert then.
    let secured = false;
    const fail = (reason: string) => {
      if (!secured) {
        const known = this.failures.get(name) === reason;
        this.failures.set(name, reason);
        if (!known) onFailure(name, reason);
      }
      sock.destroy();
      tlsSock.destroy();
    };
    const timer = setTimeout(() => fail('handshake timeout'), tls.handshakeTimeoutMs ?? 5000);
    timer.unref();
    tlsSock.once('data', () => {
      clearTimeout(timer);
      secured = true;
      this.failures.delete(name);
    });
    tlsSock.once('secureConnect', () => {
      sock.pipe(tlsSock);
      tlsSock.pipe(sock);
      sock.resume();
    });
    tlsSock.on('error', (err) => fail(tlsFailure(err)));
    sock.on('error', () => tlsSock.destroy());
    const gone = () => {
      clearTimeout(timer);
      sock.destroy();
      tlsSock.destroy();
      this.#sockets.delete(sock);
      this.#sockets.delete(tlsSock);
    };
    sock.once('close', gone);
    tlsSock.once('close', gone);
  }

  /** Closes the listeners and every connection. Idempotent. */
  close(): void {
    for (const r of this.#routes) r.server.close();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }
}
