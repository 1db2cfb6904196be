// Per-file ZooKeeper fixture: one private standalone server (or ZK_CONNECT), a fresh chroot per test, every
// client opened through it closed when its test ends — and a leak check: a session a test opened itself (with
// Zk.connect) and left open fails that test.
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, beforeEach } from 'node:test';
import { Zk, type ZkOptions } from '../../src/zk/client.js';
import { deleteRecursive } from '../../src/zk/helpers.js';
import { type ClusterOptions, startCluster, type ZkCluster } from './zk-server.js';

export interface ZkFixture {
  /** The cluster this file started (undefined with ZK_CONNECT). */
  cluster(): ZkCluster | undefined;
  /** Connect string of the server, without chroot. */
  connectString(): string;
  /** Creates a fresh chroot and returns `host:port/chroot`. */
  chroot(): Promise<string>;
  /** Connects a client (closed after the file); `connect` defaults to a fresh chroot. */
  client(opts?: Partial<ZkOptions>): Promise<Zk>;
}

/** Registers before/after hooks for the current test file. */
export function useZk(opts: { size?: 1 | 3; tickTime?: number; tls?: ClusterOptions['tls'] } = {}): ZkFixture {
  let cluster: ZkCluster | undefined;
  let admin: Zk | undefined;
  const clients = new Set<Zk>();
  const roots: string[] = [];
  const external = process.env.ZK_CONNECT;
  const opened = trackSessions();
  beforeEach(() => opened.clear());
  afterEach(() => {
    for (const c of clients) c.close();
    clients.clear();
    const left = [...opened].filter((zk) => zk.state !== 'closed' && zk.state !== 'expired');
    opened.clear();
    for (const zk of left) zk.close();
    if (left.length)
      throw new Error(`the test left ${left.length} ZooKeeper session(s) open: ${left.map((z) => z.sessionId)}`);
  });
  before(async () => {
    if (!external || (opts.size ?? 1) > 1)
      cluster = await startCluster(opts.size ?? 1, { tickTime: opts.tickTime, tls: opts.tls });
    admin = await Zk.connect({ connect: connectString(), sessionTimeoutMs: 10_000 });
  });
  after(async () => {
    for (const c of clients) c.close();
    if (admin?.state === 'connected') {
      for (const r of roots) await deleteRecursive(admin, r).catch(() => {});
    }
    admin?.close();
    await cluster?.stop();
  });
  const connectString = () => cluster?.connectString ?? external!;
  const chroot = async () => {
    const root = `/t-${randomUUID()}`;
    await admin!.create(root);
    roots.push(root);
    return `${connectString()}${root}`;
  };
  return {
    cluster: () => cluster,
    connectString,
    chroot,
    async client(o = {}) {
      const zk = await Zk.connect({ sessionTimeoutMs: 4000, ...o, connect: o.connect ?? (await chroot()) });
      clients.add(zk);
      return zk;
    },
  };
}

// Every Zk.connect of this process from now on is recorded in the returned set (the fixture's admin client, made
// in `before`, is cleared from it before each test).
function trackSessions(): Set<Zk> {
  const opened = new Set<Zk>();
  const connect = Zk.connect.bind(Zk);
  Zk.connect = async (o: ZkOptions) => {
    const zk = await connect(o);
    opened.add(zk);
    return zk;
  };
  return opened;
}
