// A TCP proxy that can pass traffic, black-hole it both ways without closing sockets (a partition) or one way,
// heal (delivering what was held, as TCP retransmission would), or reset every connection.
import net from 'node:net';

// RST — unless a graceful shutdown has begun (the peer's FIN answered): on Node 24 resetting then leaves the
// native handle referenced, and the process spins in its exit cleanup forever (libp2p/js-libp2p#3597).
const reset = (s: net.Socket) => (s.writableEnded ? s.destroy() : s.resetAndDestroy());

type Mode = 'pass' | 'blackhole' | 'one-way';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  held: [net.Socket, Buffer][];
}

export class TcpProxy {
  #server: net.Server;
  #pairs = new Set<Pair>();
  #mode: Mode = 'pass';
  #dropAfter: ((chunk: Buffer) => boolean) | undefined;
  port = 0;

  private constructor(public target: { host: string; port: number }) {
    this.#server = net.createServer((client) => this.#accept(client));
  }

  /** Sends new connections to `port` (the open ones stay): a client re-dialling lands on another server. */
  retarget(port: number): void {
    this.target = { host: this.target.host, port };
  }

  /** Starts a proxy on loopback port `listenPort` (default: any free one) forwarding to `host:port`. */
  static async start(target: { host?: string; port: number }, listenPort = 0): Promise<TcpProxy> {
    const p = new TcpProxy({ host: target.host ?? '127.0.0.1', port: target.port });
    await new Promise<void>((resolve, reject) => {
      p.#server.once('error', reject);
      p.#server.listen(listenPort, '127.0.0.1', resolve);
    });
    p.port = (p.#server.address() as net.AddressInfo).port;
    return p;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
  get connections(): number {
    return this.#pairs.size;
  }

  #accept(client: net.Socket): void {
    client.setNoDelay(true);
    const upstream = net.connect(this.target);
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, held: [] };
    this.#pairs.add(pair);
    let dropping = false;
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (dropping && to === client) return;
        if (this.#mode === 'one-way' && to === client) return; // the server hears us; we hear nothing
        if (this.#mode === 'blackhole') pair.held.push([to, chunk]);
        else to.write(chunk);
        if (to === upstream && this.#dropAfter?.(chunk)) {
          // the request reaches the server; its reply (and anything after) is lost, then the connection breaks
          this.#dropAfter = undefined;
          dropping = true;
          setTimeout(() => {
            reset(client);
            upstream.destroy();
          }, 200);
        }
      });
    forward(client, upstream);
    forward(upstream, client);
    const close = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  /**
   * Once: after forwarding a client chunk that `match`es, drops every server reply on that connection and
   * resets it 200 ms later — a request that was applied but whose answer was lost.
   */
  dropReplyAfter(match: (chunk: Buffer) => boolean): void {
    this.#dropAfter = match;
  }

  /** Holds all traffic in both directions; sockets stay open (a network partition). */
  blackhole(): void {
    this.#mode = 'blackhole';
  }

  /**
   * A one-way partition: what the client sends reaches the server (new connections too), every reply is lost.
   * `heal()` ends it (the lost replies stay lost).
   */
  oneWay(): void {
    this.#mode = 'one-way';
  }

  /** Lets traffic flow again, first delivering what was held. */
  heal(): void {
    this.#mode = 'pass';
    for (const pair of this.#pairs) {
      for (const [to, chunk] of pair.held) to.write(chunk);
      pair.held = [];
    }
  }

  /** Resets every current connection (RST); new connections are accepted as before. */
  reset(): void {
    for (const pair of this.#pairs) {
      reset(pair.client);
      reset(pair.upstream);
    }
    this.#pairs.clear();
  }

  /** Closes the listener and every connection. */
  async stop(): Promise<void> {
    this.reset();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
