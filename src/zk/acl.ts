import type { NativeAclEntry } from './native.js';
import { createHash } from 'node:crypto';

/** One ACL entry: `perms` is a bit set of PERM_*; `scheme`/`id` e.g. `world`/`anyone`, `digest`/`user:hash`. */
export interface Acl {
  perms: number;
  scheme: string;
  id: string;
}

export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_CREATE = 4;
export const PERM_DELETE = 8;
export const PERM_ADMIN = 16;
export const PERM_ALL = 31;
/** Default permissions of a "directory" node. */
export const PERM_DIRECTORY = PERM_ADMIN | PERM_CREATE | PERM_DELETE | PERM_READ | PERM_WRITE;
/** Permissions of a "file" node: no children may be created under it. */
export const PERM_FILE = PERM_ADMIN | PERM_READ | PERM_WRITE;

/** `world:anyone` with the given permissions. */
export const worldAcl = (perms: number): Acl[] => [{ perms, scheme: 'world', id: 'anyone' }];
export const OPEN_ACL: readonly Acl[] = Object.freeze(worldAcl(PERM_ALL));

/** True when every entry has exactly the directory permissions (the seed's `IsDirectory`). */
export const isDirectory = (acl: readonly Acl[]): boolean => acl.every((a) => a.perms === PERM_DIRECTORY);

/** Copies an ACL with every entry's permissions replaced by `perms`. */
export const withPerms = (acl: readonly Acl[], perms: number): Acl[] => acl.map((a) => ({ ...a, perms }));

/**
 * The ACL of a parent created for a leaf with `acl`: each entry gets directory permissions, except
 * read-only entries, which stay read-only (the seed widened `world:anyone READ` to everything).
 */
export const directoryAcl = (acl: readonly Acl[]): Acl[] =>
  acl.map((a) => ({ ...a, perms: (a.perms & ~PERM_READ) === 0 ? a.perms : PERM_DIRECTORY }));

/** The `digest` ACL id for `user:password` (base64 SHA-1 of the pair, as the server computes it). */
export function digestId(credentials: string): string {
  const user = credentials.slice(0, credentials.indexOf(':'));
  return `${user}:${createHash('sha1').update(credentials).digest('base64')}`;
}

/** Read for everyone, everything for the holder of `credentials` (`user:password`). */
export const securedAcl = (credentials: string, perms = PERM_ALL): Acl[] => [
  { perms: PERM_READ, scheme: 'world', id: 'anyone' },
  { perms, scheme: 'digest', id: digestId(credentials) },
];

/** The ACL of the nodes a member creates: secured with its credentials in `secured` mode, else open. */
export const memberAcl = (mode: 'open' | 'secured', credentials?: string): readonly Acl[] =>
  mode === 'secured' && credentials ? securedAcl(credentials) : OPEN_ACL;

/** The binding's form of an ACL. */
export const toNativeAcl = (acl: readonly Acl[]): NativeAclEntry[] =>
  acl.map((a) => ({ perm: a.perms, scheme: a.scheme, auth: a.id }));
