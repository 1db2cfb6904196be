// Typed view of the `zookeeper` package's native handle (its callback API passes numeric return codes).
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

export interface NativeStat {
  czxid: number;
  mzxid: number;
  pzxid: number;
  dataLength: number;
  numChildren: number;
  version: number;
  cversion: number;
  aversion: number;
  ctime: Date;
  mtime: Date;
  ephemeralOwner: string;
  createdInThisSession: boolean;
}
/** An ACL entry as the binding takes it (it hands them back as {@link NativeAcl}). */
export type NativeAclEntry = { perm: number; scheme: string; auth: string };
export interface NativeAcl {
  perms: number;
  scheme: string;
  auth: string;
}
type Rc = number;
type WatchCb = (type: number, state: number, path: string) => void;

export interface NativeHandle {
  a_create(path: string, data: Buffer | string, flags: number, cb: (rc: Rc, err: string, path: string) => void): Rc;
  /** Added by scripts/patch-zookeeper.mjs: creates the node with `acl` (absent from an unpatched binding). */
  a_create_acl?(
    path: string,
    data: Buffer | string,
    flags: number,
    acl: NativeAclEntry[],
    cb: (rc: Rc, err: string, path: string) => void
  ): Rc;
  a_exists(path: string, watch: boolean, cb: (rc: Rc, err: string, stat: NativeStat) => void): Rc;
  aw_exists(path: string, w: WatchCb, cb: (rc: Rc, err: string, stat: NativeStat) => void): Rc;
  a_get(path: string, watch: boolean, cb: (rc: Rc, err: string, stat: NativeStat, data: Buffer | null) => void): Rc;
  aw_get(path: string, w: WatchCb, cb: (rc: Rc, err: string, stat: NativeStat, data: Buffer | null) => void): Rc;
  a_get_children2(
    path: string,
    watch: boolean,
    cb: (rc: Rc, err: string, children: string[], stat: NativeStat) => void
  ): Rc;
  aw_get_children2(
    path: string,
    w: WatchCb,
    cb: (rc: Rc, err: string, children: string[], stat: NativeStat) => void
  ): Rc;
  a_set(path: string, data: Buffer | string, version: number, cb: (rc: Rc, err: string, stat: NativeStat) => void): Rc;
  a_delete_(path: string, version: number, cb: (rc: Rc, err: string) => void): Rc;
  a_get_acl(path: string, cb: (rc: Rc, err: string, acl: NativeAcl[], stat: NativeStat) => void): Rc;
  a_set_acl(path: string, version: number, acl: NativeAclEntry[], cb: (rc: Rc, err: string) => void): Rc;
  add_auth(scheme: string, auth: string, cb: (rc: Rc, err: string) => void): Rc;
  a_sync(path: string, cb: (rc: Rc, err: string, path: string) => void): Rc;
  init(config: Record<string, unknown>): void;
  close(): void;
  readonly client_id: string;
  readonly client_password: string;
  readonly timeout: number;
  emit: (ev: string, a1?: unknown, a2?: unknown, a3?: unknown) => void;
}

export interface NativeCtor {
  new (): NativeHandle;
  readonly ZOO_EPHEMERAL: number;
  readonly ZOO_SEQUENCE: number;
}

let ctor: NativeCtor | undefined;
/**
 * Loads the native binding once (lazily, so modules that only need pure helpers don't pay for it). The
 * addon is located the way the `zookeeper` package does it (node-gyp-build: a local build or a prebuild),
 * without loading the package's JavaScript wrapper, which we do not use (≈ 6 ms of start-up).
 */
export function nativeBinding(): NativeCtor {
  if (!ctor) {
    const require = createRequire(import.meta.url);
    const main = require.resolve('zookeeper'); // …/node_modules/zookeeper/lib/index.js
    const pkgDir = main.slice(0, main.lastIndexOf(`${sep}zookeeper${sep}`) + `${sep}zookeeper`.length);
    const gypBuild = createRequire(join(pkgDir, 'package.json'))('node-gyp-build') as (dir: string) => {
      ZooKeeper: NativeCtor;
    };
    ctor = gypBuild(pkgDir).ZooKeeper;
  }
  return ctor;
}
