// The seed's helpers (CreateRecursive, CreateOrUpdate, ChildrenRecursive, ResolveWildcards, DeleteRecursive,
// NodeExists) on the typed client. Each is safe to repeat.
import { AppError } from '../errors.js';
import { OPEN_ACL, PERM_ADMIN, PERM_DELETE, PERM_READ, directoryAcl, worldAcl, type Acl } from './acl.js';
import type { CreateMode, Zk } from './client.js';
import { ZkError, isZkError } from './errors.js';
import { PathError, hasWildcard, join, match, parent, validatePath } from './paths.js';
import { BAD_VERSION, NO_NODE } from './types.js';

/** deleteRecursive gave up because nodes kept appearing under the one being deleted. */
export class DeleteRaceError extends AppError<'DELETE_RACE'> {
  readonly code = 'DELETE_RACE';
  constructor(
    readonly path: string,
    options?: ErrorOptions
  ) {
    super(`zookeeper delete ${path}: nodes getting re-created underneath the delete (application race)`, options);
  }
}

/** Options of {@link createRecursive}. */
export interface CreateRecursiveOptions {
  mode?: CreateMode;
  /** ACL of the leaf; parents get {@link directoryAcl} of it. Default open. */
  acl?: readonly Acl[];
  /** When set, `path` must lie below this root (the seed hard-coded `/zk`). */
  root?: string;
}

/**
 * Creates `path` and any missing parents (mkdir -p); resolves with the created path.
 * Parents are created empty, persistent and with "directory" ACLs ({@link directoryAcl}), whatever the leaf's mode.
 * Rejects NODEEXISTS when the leaf exists (a sequential leaf never does).
 */
export async function createRecursive(
  zk: Zk,
  path: string,
  data: Buffer | string = '',
  opts: CreateRecursiveOptions = {}
): Promise<string> {
  validatePath(path);
  if (opts.root !== undefined && opts.root !== '/' && path !== opts.root && !path.startsWith(`${opts.root}/`)) {
    throw new PathError('BAD_PATH', `path ${path} is not below the root ${opts.root}`);
  }
  const acl = opts.acl ?? OPEN_ACL;
  try {
    return await zk.create(path, data, { mode: opts.mode ?? 'persistent', acl });
  } catch (err) {
    if (!isZkError(err, 'NONODE')) throw err;
  }
  try {
    await createRecursive(zk, parent(path), '', { acl: directoryAcl(acl), root: opts.root });
  } catch (err) {
    if (!isZkError(err, 'NODEEXISTS')) throw err;
  }
  return zk.create(path, data, { mode: opts.mode ?? 'persistent', acl });
}

/** Creates `path` (and missing parents, with directory ACLs) unless it exists. */
export async function ensurePath(zk: Zk, path: string, acl?: readonly Acl[]): Promise<void> {
  await createRecursive(zk, path, '', { acl }).catch((e: unknown) => {
    if (!isZkError(e, 'NODEEXISTS')) throw e;
  });
}

/** Child names of `path` (unsorted), or none when `path` does not exist. */
export async function childrenOrEmpty(zk: Zk, path: string): Promise<string[]> {
  try {
    return (await zk.children(path)).children;
  } catch (err) {
    if (isZkError(err, 'NONODE')) return [];
    throw err;
  }
}

/**
 * Creates a persistent node, or sets its data (any version) when it exists.
 * Resolves with the created path, or null when an existing node was updated.
 */
export async function createOrUpdate(
  zk: Zk,
  path: string,
  data: Buffer | string,
  opts: { acl?: readonly Acl[]; recursive?: boolean } = {}
): Promise<string | null> {
  try {
    return opts.recursive
      ? await createRecursive(zk, path, data, { acl: opts.acl })
      : await zk.create(path, data, { acl: opts.acl });
  } catch (err) {
    if (!isZkError(err, 'NODEEXISTS')) throw err;
  }
  await zk.set(path, data, -1);
  return null;
}

/** Returns true when the node exists. */
export async function nodeExists(zk: Zk, path: string): Promise<boolean> {
  return (await zk.exists(path)) !== null;
}

/** Runs at most `n` tasks at a time; tasks may nest without deadlock (only leaf calls hold a slot). */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

const DEFAULT_CONCURRENCY = 16;

/**
 * Lists every descendant of `path` as paths relative to it, sorted. Concurrent (bounded);
 * descendants deleted while we walk are skipped, not errors. Rejects NONODE when `path` itself is missing.
 */
export async function childrenRecursive(zk: Zk, path: string, opts: { concurrency?: number } = {}): Promise<string[]> {
  const run = limiter(opts.concurrency ?? DEFAULT_CONCURRENCY);
  const walk = async (p: string): Promise<string[]> => {
    const { children } = await run(() => zk.children(p));
    const nested = await Promise.all(
      children.map(async (child) => {
        try {
          const below = await walk(join(p, child));
          return [child, ...below.map((b) => `${child}/${b}`)];
        } catch (err) {
          if (isZkError(err, 'NONODE')) return [];
          throw err;
        }
      })
    );
    return nested.flat();
  };
  return (await walk(path)).sort();
}

/**
 * Expands glob segments (`*`, `?`, `[…]`, `\` escapes; Go `path.Match` per segment) into existing paths.
 * Results are grouped per input path in order, each group sorted. A missing parent gives no results;
 * a path without wildcards is returned as typed, existing or not. Rejects PathError BAD_PATTERN.
 */
export async function resolveWildcards(
  zk: Zk,
  paths: readonly string[],
  opts: { concurrency?: number } = {}
): Promise<string[]> {
  const run = limiter(opts.concurrency ?? DEFAULT_CONCURRENCY);
  // Segments before `from` are real child names (which may themselves contain `*` or `[`).
  const resolve = async (parts: string[], from: number): Promise<string[]> => {
    const i = parts.findIndex((part, k) => k >= from && hasWildcard(part));
    const topLevel = from === 0;
    if (i < 0) {
      const full = parts.join('/');
      if (topLevel) return [full];
      return (await run(() => zk.exists(full))) ? [full] : [];
    }
    const parentPath = parts.slice(0, i).join('/') || '/';
    const children = (await run(() => childrenOrEmpty(zk, parentPath))).sort();
    const matched = children.filter((child) => match(parts[i]!, child));
    const results = await Promise.all(
      matched.map((child) => {
        const next = [...parts];
        next[i] = child;
        return resolve(next, i + 1);
      })
    );
    return results.flat();
  };
  const all = await Promise.all(paths.map((p) => resolve(p.split('/'), 0)));
  return all.flat();
}

/**
 * Deletes `path` and everything below it. `version` (-1 = any) applies to the top node only.
 * Before descending, the top node's ACL is narrowed to admin/delete/read so nothing new can be created
 * under it. Rejects BADVERSION when the top node has another version, NONODE when it is missing,
 * DeleteRaceError when children still appear.
 */
export async function deleteRecursive(zk: Zk, path: string, version = -1): Promise<void> {
  try {
    await zk.delete(path, version);
    return;
  } catch (err) {
    if (!isZkError(err, 'NOTEMPTY')) throw err;
  }
  if (version !== -1) {
    const stat = await zk.exists(path);
    if (!stat) throw new ZkError(NO_NODE, 'delete', path);
    if (stat.version !== version) throw new ZkError(BAD_VERSION, 'delete', path);
  }
  await zk.setACL(path, worldAcl(PERM_ADMIN | PERM_DELETE | PERM_READ), -1);
  const { children } = await zk.children(path);
  await Promise.all(
    children.map(async (child) => {
      try {
        await deleteRecursive(zk, join(path, child), -1);
      } catch (err) {
        if (!isZkError(err, 'NONODE')) throw err;
      }
    })
  );
  try {
    await zk.delete(path, version);
  } catch (err) {
    if (isZkError(err, 'NOTEMPTY')) throw new DeleteRaceError(path, { cause: err });
    throw err;
  }
}
