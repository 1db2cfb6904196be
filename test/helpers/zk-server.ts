// Starts private ZooKeeper servers (Debian package `zookeeper`) on free loopback ports: standalone or a
// 3-node ensemble, small tickTime, temp data dirs; kill/restart single members; always cleaned up.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanArgv } from '../../src/util/clean-exec.js';
import { TcpProxy } from './proxy.js';
import { track, trackDir, untrackDir } from './reaper.js';
import { waitFor } from './wait.js';

const JAR = process.env.ZOOKEEPER_JAR ?? '/usr/share/java/zookeeper.jar';
const CONF = '/etc/zookeeper/conf';
export const INSTALL_HINT =
  'ZooKeeper is not installed: run `apt-get install -y zookeeper` (as root), or set ZK_CONNECT=host:port to use a running server';

/** True when tests can start their own servers. */
export const canStartServers = (): boolean => existsSync(JAR);

const handedOut = new Set<number>();

/**
 * Returns a free TCP port on 127.0.0.1, never the same one twice in this process (a port handed out but not yet
 * bound — a ZooKeeper member still starting — must not go to a proxy as well).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as net.AddressInfo;
    await new Promise<void>((r) => srv.close(() => r()));
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Sends a four-letter-word command and resolves with the reply ('' when refused). */
export function fourLetter(port: number, cmd: string, timeoutMs = 1000, tlsCa?: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = tlsCa
      ? tls.connect({ host: '127.0.0.1', port, ca: readFileSync(tlsCa) })
      : net.connect({ host: '127.0.0.1', port });
    let out = '';
    const done = () => {
      sock.destroy();
      resolve(out);
    };
    sock.setTimeout(timeoutMs, done);
    sock.on(tlsCa ? 'secureConnect' : 'connect', () => sock.write(cmd));
    sock.on('data', (d) => {
      out += d.toString();
    });
    sock.on('end', done);
    sock.on('error', done);
  });
}

interface MemberSpec {
  id: number;
  clientPort: number;
  /** TLS client port and the CA that verifies it (clusters started with `tls`); `tlsOnly`: no plain port */
  securePort?: number;
  tlsCa?: string;
  tlsOnly?: boolean;
  peerPort: number;
  electionPort: number;
}

/** One ZooKeeper server process. */
export class ZkServer {
  #proc: ChildProcess | undefined;
  constructor(
    readonly dir: string,
    readonly spec: MemberSpec,
    readonly cfgFile: string
  ) {}

  get port(): number {
    return this.spec.clientPort;
  }
  get address(): string {
    return `127.0.0.1:${this.spec.clientPort}`;
  }
  /** `127.0.0.1:<secureClientPort>` of a cluster started with `tls`. */
  get secureAddress(): string {
    return `127.0.0.1:${this.spec.securePort}`;
  }
  get running(): boolean {
    return this.#proc !== undefined;
  }

  /** Spawns the JVM (own process group); resolves at once: use {@link waitServing}. */
  start(): void {
    if (this.#proc) throw new Error(`server ${this.spec.id} already running`);
    // Through the fd-closing prologue: the test process holds ZooKeeper client sockets the JVM must not inherit.
    const { file, args, env } = cleanArgv([
      'java',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xms32m',
      '-Xmx256m',
      '-Xshare:auto',
      '-Dzookeeper.admin.enableServer=false',
      `-Dzookeeper.log.dir=${this.dir}`,
      '-Dzookeeper.root.logger=INFO,ROLLINGFILE',
      '-cp',
      // The Netty factory (TLS) needs netty-codec, which the jar's manifest does not list.
      `${CONF}:${JAR}:/usr/share/java/netty-codec.jar:/usr/share/java/netty-resolver.jar`,
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      this.cfgFile,
    ]);
    const proc = spawn(file, args, {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { ...process.env, ...env },
    });
    track(proc);
    proc.once('exit', () => {
      if (this.#proc === proc) this.#proc = undefined;
    });
    this.#proc = proc;
  }

  /** Waits until the server answers `srvr` as serving (standalone, leader or follower). */
  // A four-letter word on the plain port, or on the secure one when the member has no plain port.
  #four(cmd: string): Promise<string> {
    return this.spec.tlsOnly
      ? fourLetter(this.spec.securePort!, cmd, 500, this.spec.tlsCa)
      : fourLetter(this.port, cmd, 500);
  }

  async waitServing(timeoutMs = 30_000): Promise<string> {
    let mode = '';
    await waitFor(
      async () => {
        const out = await this.#four('srvr');
        mode = /Mode: (\w+)/.exec(out)?.[1] ?? '';
        return mode !== '';
      },
      { timeoutMs, what: `ZooKeeper server ${this.spec.id} on ${this.address} serving requests` }
    ).catch((err: Error) => {
      throw new Error(`${err.message}; its last warnings:\n${this.#lastWarnings()}`);
    });
    return mode;
  }

  #lastWarnings(): string {
    try {
      return readFileSync(join(this.dir, 'zookeeper.log'), 'utf8')
        .split('\n')
        .filter((l) => / (WARN|ERROR) /.test(l))
        .slice(-8)
        .join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Current mode (`standalone`, `leader`, `follower`) or '' when not serving. */
  async mode(): Promise<string> {
    return /Mode: (\w+)/.exec(await this.#four('srvr'))?.[1] ?? '';
  }

  /** Session ids (hex, as Zk.sessionId) of the clients on this member, on its plain and (TLS) secure port. */
  async sessions(): Promise<string[]> {
    let out = this.spec.tlsOnly ? '' : await fourLetter(this.port, 'cons', 500);
    if (this.spec.securePort && this.spec.tlsCa)
      out += await fourLetter(this.spec.securePort, 'cons', 500, this.spec.tlsCa);
    return [...out.matchAll(/sid=0x([0-9a-f]+)/g)].map((m) => m[1]!);
  }

  /** Packets the server has received from session `sessionId` (hex) on its current connection, per `cons`. */
  async packetsFrom(sessionId: string): Promise<number | undefined> {
    const out = await fourLetter(this.port, 'cons', 500);
    const line = out
      .split('\n')
      .find(
        (l) =>
          l.includes(`sid=0x${sessionId.replace(/^0x/, '')},`) || l.includes(`sid=0x${sessionId.replace(/^0x/, '')})`)
      );
    const m = line && /recved=(\d+)/.exec(line);
    return m ? Number(m[1]) : undefined;
  }

  /** Kills the server's process group with `signal` and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.#proc;
    if (!proc) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    try {
      process.kill(-proc.pid!, signal);
    } catch {
      /* already gone */
    }
    await Promise.race([
      exited,
      new Promise<void>((_, rej) =>
        setTimeout(
          () => rej(new Error(`ZooKeeper server ${this.spec.id} did not exit within 10 s of ${signal}`)),
          10_000
        ).unref()
      ),
    ]);
  }

  /** Kills and starts the server again with the same data, waiting until it serves. */
  async restart(): Promise<void> {
    await this.kill();
    this.start();
    await this.waitServing();
  }
}

/** A running standalone server or ensemble. `stop()` kills every member and removes the temp dir. */
export class ZkCluster {
  /**
   * With `quorumProxies`: the proxies member i uses to reach member j's quorum and election ports, keyed
   * `i>j` (every link of the ensemble goes through one, in each direction).
   */
  constructor(
    readonly servers: ZkServer[],
    readonly root: string,
    readonly links = new Map<string, TcpProxy[]>(),
    /** The TLS stores of a cluster started with `tls`. */
    readonly tls?: ClusterOptions['tls']
  ) {}
  get connectString(): string {
    return this.servers.map((s) => s.address).join(',');
  }
  /** The members' TLS client ports (a cluster started with `tls`). */
  get secureConnectString(): string {
    return this.servers.map((s) => s.secureAddress).join(',');
  }
  /** The member serving the given session, or undefined. */
  async serverOf(sessionId: string): Promise<ZkServer | undefined> {
    for (const s of this.servers) if (s.running && (await s.sessions()).includes(sessionId)) return s;
    return undefined;
  }
  /**
   * A member in `mode` (`leader` or `follower`), waiting up to `timeoutMs` for one: right after a member was cut
   * off or restarted the ensemble may still be electing its leader, and then no member is either yet.
   */
  async memberIn(mode: 'leader' | 'follower', timeoutMs = 10_000): Promise<ZkServer> {
    return waitFor(
      async () => {
        for (const s of this.servers) if (s.running && (await s.mode().catch(() => undefined)) === mode) return s;
        return undefined;
      },
      { timeoutMs, what: `a ZooKeeper member in mode ${mode}`, intervalMs: 50 }
    );
  }
  #linksOf(member: ZkServer): TcpProxy[] {
    if (this.links.size === 0) throw new Error('this cluster was started without quorumProxies');
    const id = member.spec.id;
    return [...this.links].filter(([k]) => k.split('>').includes(String(id))).flatMap(([, p]) => p);
  }
  /** Black-holes every quorum and election link of `member` (its clients stay connected to it). */
  isolate(member: ZkServer): void {
    for (const p of this.#linksOf(member)) p.blackhole();
  }
  /** Ends the isolation of `member`: its held links are reset (it reconnects afresh) and traffic flows. */
  rejoin(member: ZkServer): void {
    for (const p of this.#linksOf(member)) {
      p.reset();
      p.heal();
    }
  }
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.kill()));
    await Promise.all([...this.links.values()].flat().map((p) => p.stop()));
    rmSync(this.root, { recursive: true, force: true });
    untrackDir(this.root);
  }
}

export interface ClusterOptions {
  /** ms (default 100: session timeouts from 400 ms to 40 s are allowed) */
  tickTime?: number;
  /** ticks a follower may lag (default 10) */
  syncLimit?: number;
  /** ms; the servers clamp every session's timeout to at most this (default 400 ticks); one per member if a list */
  maxSessionTimeout?: number | number[];
  /** route every link between members through a TCP proxy, so that a member can be isolated */
  quorumProxies?: boolean;
  /** also serve TLS on a secureClientPort: PEM key+certificate, PEM trusted CAs, client certificates asked */
  tls?: { keyStore: string; trustStore: string; clientAuth?: 'need' | 'want' | 'none'; only?: boolean };
}

const maxOf = (max: ClusterOptions['maxSessionTimeout'], id: number) => (Array.isArray(max) ? max[id - 1] : max);

/** Starts `size` members on free loopback ports and waits until every one serves. */
export async function startCluster(size: 1 | 3 | 5 = 1, opts: ClusterOptions = {}): Promise<ZkCluster> {
  if (!canStartServers()) throw new Error(INSTALL_HINT);
  const tickTime = opts.tickTime ?? 100;
  const root = mkdtempSync(join(tmpdir(), 'zk-supervisor-zk-'));
  trackDir(root);
  const specs: MemberSpec[] = [];
  for (let id = 1; id <= size; id++) {
    const securePort = opts.tls ? await freePort() : undefined;
    specs.push({
      id,
      clientPort: await freePort(),
      securePort,
      tlsCa: opts.tls?.trustStore,
      tlsOnly: opts.tls?.only,
      peerPort: await freePort(),
      electionPort: await freePort(),
    });
  }
  const links = new Map<string, TcpProxy[]>();
  if (opts.quorumProxies && size > 1) {
    for (const a of specs) {
      for (const b of specs) {
        if (a !== b) {
          links.set(`${a.id}>${b.id}`, [
            await TcpProxy.start({ port: b.peerPort }, await freePort()),
            await TcpProxy.start({ port: b.electionPort }, await freePort()),
          ]);
        }
      }
    }
  }
  const servers = specs.map((spec) => {
    const dir = join(root, `zk${spec.id}`);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const lines = [
      `tickTime=${tickTime}`,
      'initLimit=20',
      `syncLimit=${opts.syncLimit ?? 10}`,
      `dataDir=${dataDir}`,
      ...(opts.tls?.only ? [] : [`clientPort=${spec.clientPort}`, 'clientPortAddress=127.0.0.1']),
      ...(opts.tls
        ? [
            `secureClientPort=${spec.securePort}`,
            'secureClientPortAddress=127.0.0.1',
            'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
            `ssl.keyStore.location=${opts.tls.keyStore}`,
            'ssl.keyStore.type=PEM',
            `ssl.trustStore.location=${opts.tls.trustStore}`,
            'ssl.trustStore.type=PEM',
            `ssl.clientAuth=${opts.tls.clientAuth ?? 'want'}`,
          ]
        : []),
      'admin.enableServer=false',
      '4lw.commands.whitelist=*',
      `minSessionTimeout=${tickTime * 4}`,
      `maxSessionTimeout=${maxOf(opts.maxSessionTimeout, spec.id) ?? tickTime * 400}`,
      'maxClientCnxns=0',
      'preAllocSize=1024',
      'snapCount=100000',
      'forceSync=no',
    ];
    if (size > 1) {
      writeFileSync(join(dataDir, 'myid'), `${spec.id}\n`);
      // Each member reaches the others through its own proxies (when asked): the links can be cut one by one.
      for (const s of specs) {
        const via = links.get(`${spec.id}>${s.id}`);
        const [peer, election] = via ? [via[0]!.port, via[1]!.port] : [s.peerPort, s.electionPort];
        lines.push(`server.${s.id}=127.0.0.1:${peer}:${election}`);
      }
    }
    const cfg = join(dir, 'zoo.cfg');
    writeFileSync(cfg, `${lines.join('\n')}\n`);
    return new ZkServer(dir, spec, cfg);
  });
  const cluster = new ZkCluster(servers, root, links, opts.tls);
  try {
    for (const s of servers) s.start();
    await Promise.all(servers.map((s) => s.waitServing(60_000)));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
