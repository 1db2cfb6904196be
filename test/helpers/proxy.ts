// A TCP proxy that can pass traffic, black-hole it both ways without closing sockets (a partition),
// heal (delivering what was held, as TCP retransmission would), or reset every connection.
import net from 'node:net';

type Mode = 'pass' | 'blackhole';

interface Pair { client: net.Socket; upstream: net.Socket; held: [net.Socket, Buffer][] }

export class TcpProxy {
  #server: net.Server;
  #pairs = new Set<Pair>();
  #mode: Mode = 'pass';
  port = 0;

  private constructor(readonly target: { host: string; port: number }) {
    this.#server = net.createServer((client) => this.#accept(client));
  }

  /** Starts a proxy on a free loopback port forwarding to `host:port`. */
  static async start(target: { host?: string; port: number }): Promise<TcpProxy> {
    const p = new TcpProxy({ host: target.host ?? '127.0.0.1', port: target.port });
    await new Promise<void>((r) => p.#server.listen(0, '127.0.0.1', r));
    p.port = (p.#server.address() as net.AddressInfo).port;
    return p;
  }

  get address(): string { return `127.0.0.1:${this.port}`; }
  get connections(): number { return this.#pairs.size; }

  #accept(client: net.Socket): void {
    client.setNoDelay(true);
    const upstream = net.connect(this.target);
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, held: [] };
    this.#pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) => from.on('data', (chunk) => {
      if (this.#mode === 'blackhole') pair.held.push([to, chunk]);
      else to.write(chunk);
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

  /** Holds all traffic in both directions; sockets stay open (a network partition). */
  blackhole(): void { this.#mode = 'blackhole'; }

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
      pair.client.resetAndDestroy();
      pair.upstream.resetAndDestroy();
    }
    this.#pairs.clear();
  }

  /** Closes the listener and every connection. */
  async stop(): Promise<void> {
    this.reset();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
