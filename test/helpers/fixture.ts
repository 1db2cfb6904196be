// Per-file ZooKeeper fixture: one private standalone server (or ZK_CONNECT), a fresh chroot per test,
// and every client opened through it closed afterwards.
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
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
