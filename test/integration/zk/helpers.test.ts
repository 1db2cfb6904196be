import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PERM_ADMIN,
  PERM_ALL,
  PERM_DIRECTORY,
  PERM_FILE,
  isDirectory,
  securedAcl,
  worldAcl,
} from '../../../src/zk/acl.js';
import { isZkError } from '../../../src/zk/errors.js';
import {
  DeleteRaceError,
  childrenRecursive,
  createOrUpdate,
  createRecursive,
  deleteRecursive,
  nodeExists,
  resolveWildcards,
} from '../../../src/zk/helpers.js';
import { PathError } from '../../../src/zk/paths.js';
import { QueueLockError, obtainQueueLock } from '../../../src/recipes/queue-lock.js';
import { useZk } from '../../helpers/fixture.js';
import { within } from '../../helpers/wait.js';

const fx = useZk();

test('createRecursive: ephemeral leaf gets persistent, empty parents with directory ACLs', async () => {
  const zk = await fx.client();
  const acl = securedAcl('u:p');
  await zk.addAuth('digest', 'u:p');
  const leaf = await createRecursive(zk, '/a/b/c', 'data', { mode: 'ephemeral', acl });
  assert.equal(leaf, '/a/b/c');
  for (const p of ['/a', '/a/b']) {
    const stat = await zk.exists(p);
    assert.equal(stat?.ephemeralOwner, '0', `${p} must be persistent`);
    assert.equal(stat?.dataLength, 0);
    const { acl: got } = await zk.getACL(p);
    assert.deepEqual(
      got,
      [acl[0], { ...acl[1]!, perms: PERM_DIRECTORY }],
      `${p}: world stays read-only, the owner gets a directory`
    );
  }
  assert.equal((await zk.exists('/a/b/c'))?.ephemeralOwner, zk.sessionId);
  assert.equal((await zk.get('/a/b/c')).data.toString(), 'data');
  await assert.rejects(createRecursive(zk, '/a/b/c'), (e: unknown) => isZkError(e, 'NODEEXISTS'));
  const seq = await createRecursive(zk, '/q/x/n-', '', { mode: 'ephemeral_sequential' });
  assert.match(seq, /^\/q\/x\/n-\d{10}$/);
  await assert.rejects(
    createRecursive(zk, '/other/x', '', { root: '/zk' }),
    (e: unknown) => e instanceof PathError && e.code === 'BAD_PATH'
  );
  assert.equal(await createRecursive(zk, '/zk/cell/x', '', { root: '/zk' }), '/zk/cell/x');
  assert.equal(isDirectory((await zk.getACL('/zk/cell')).acl), true);
  assert.equal(isDirectory(worldAcl(PERM_FILE)), false);
});

test('createRecursive: concurrent callers sharing parents all succeed', async () => {
  const zk = await fx.client();
  const paths = Array.from({ length: 20 }, (_, i) => `/p/q/r/leaf${i}`);
  const created = await Promise.all(paths.map((p) => createRecursive(zk, p)));
  assert.deepEqual(created, paths);
});

test('createOrUpdate creates, then overwrites', async () => {
  const zk = await fx.client();
  assert.equal(await createOrUpdate(zk, '/c', 'one'), '/c');
  assert.equal(await createOrUpdate(zk, '/c', 'two'), null);
  assert.equal((await zk.get('/c')).data.toString(), 'two');
  assert.equal(await createOrUpdate(zk, '/d/e', 'x', { recursive: true }), '/d/e');
  assert.equal(await nodeExists(zk, '/d/e'), true);
  assert.equal(await nodeExists(zk, '/d/nope'), false);
});

test('childrenRecursive lists sorted descendants and skips ones deleted concurrently', async () => {
  const zk = await fx.client();
  for (const p of ['/r/a/x', '/r/a/y', '/r/b', '/r/c/d/e']) await createRecursive(zk, p);
  assert.deepEqual(await childrenRecursive(zk, '/r'), ['a', 'a/x', 'a/y', 'b', 'c', 'c/d', 'c/d/e']);
  await assert.rejects(childrenRecursive(zk, '/none'), (e: unknown) => isZkError(e, 'NONODE'));
  // Many subtrees deleted while we walk: every outcome is a subset, never an error.
  for (let i = 0; i < 40; i++) await createRecursive(zk, `/r2/n${i}/m/k`);
  const other = await fx.client({ connect: zk.connectString });
  const deleting = Promise.all(Array.from({ length: 40 }, (_, i) => deleteRecursive(other, `/r2/n${i}`)));
  const listed = await childrenRecursive(zk, '/r2', { concurrency: 4 });
  await deleting;
  assert.ok(
    listed.every((p) => /^n\d+(\/m(\/k)?)?$/.test(p)),
    listed.join(',')
  );
  assert.deepEqual(await childrenRecursive(zk, '/r2'), []);
});

test('resolveWildcards: Go path.Match semantics per segment, sorted, missing parents empty', async () => {
  const zk = await fx.client();
  for (const p of ['/cell/a1/x', '/cell/a2/x', '/cell/b1/x', '/cell/a3', '/cell/*/x', '/cell/[z]']) {
    await createRecursive(zk, p);
  }
  assert.deepEqual(await resolveWildcards(zk, ['/cell/a*/x']), ['/cell/a1/x', '/cell/a2/x']);
  assert.deepEqual(await resolveWildcards(zk, ['/cell/?1']), ['/cell/a1', '/cell/b1']);
  assert.deepEqual(await resolveWildcards(zk, ['/cell/[^a]*/x']), ['/cell/*/x', '/cell/b1/x']);
  assert.deepEqual(await resolveWildcards(zk, ['/cell/[a-b]1/*']), ['/cell/a1/x', '/cell/b1/x']);
  assert.deepEqual(await resolveWildcards(zk, ['/cell/\\**/x']), ['/cell/*/x']);
  assert.deepEqual(await resolveWildcards(zk, ['/cell/\\[z*']), ['/cell/[z]']);
  assert.deepEqual(
    await resolveWildcards(zk, ['/cell/\\*/x']),
    ['/cell/\\*/x'],
    'only escapes: not a wildcard, returned as typed'
  );
  assert.deepEqual(await resolveWildcards(zk, ['/nope/*', '/cell/zz*']), []);
  assert.deepEqual(await resolveWildcards(zk, ['/typed/not/there', '/cell/a1/x']), ['/typed/not/there', '/cell/a1/x']);
  assert.deepEqual(await resolveWildcards(zk, ['/*/a3']), ['/cell/a3']);
  await assert.rejects(
    resolveWildcards(zk, ['/cell/[a']),
    (e: unknown) => e instanceof PathError && e.code === 'BAD_PATTERN'
  );
});

test('deleteRecursive: version applies to the top node; a racing creator gets a clear error', async () => {
  const zk = await fx.client();
  for (const p of ['/del/a/b', '/del/c']) await createRecursive(zk, p);
  await zk.set('/del', 'v1');
  await assert.rejects(deleteRecursive(zk, '/del', 0), (e: unknown) => isZkError(e, 'BADVERSION'));
  assert.equal(await nodeExists(zk, '/del/a/b'), true, 'a version mismatch must delete nothing');
  await deleteRecursive(zk, '/del', 1);
  assert.equal(await nodeExists(zk, '/del'), false);
  await assert.rejects(deleteRecursive(zk, '/del'), (e: unknown) => isZkError(e, 'NONODE'));

  // The top node's ACL is narrowed first: another client can no longer create under it.
  for (let i = 0; i < 30; i++) await createRecursive(zk, `/race/n${i}/leaf`);
  const creator = await fx.client({ connect: zk.connectString });
  let refused = 0;
  let stop = false;
  const creating = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        await creator.create(`/race/new${i}`);
      } catch (e) {
        if (isZkError(e, 'NOAUTH', 'NONODE')) {
          refused++;
          if (isZkError(e, 'NONODE')) return;
        } else throw e;
      }
    }
  })();
  try {
    await deleteRecursive(zk, '/race');
  } catch (e) {
    assert.ok(e instanceof DeleteRaceError, String(e));
  } finally {
    stop = true;
  }
  await creating;
  assert.equal(await nodeExists(zk, '/race'), false);
  assert.ok(refused > 0, 'the creator was never refused');
});

test('deleteRecursive surfaces NOAUTH when it may not narrow the top node ACL', async () => {
  const zk = await fx.client();
  await createRecursive(zk, '/open/x', '', { acl: worldAcl(PERM_ALL) });
  await zk.setACL('/open', worldAcl(PERM_ALL & ~PERM_ADMIN));
  await assert.rejects(deleteRecursive(zk, '/open'), (e: unknown) => isZkError(e, 'NOAUTH'));
});

test('obtainQueueLock: lowest sequence holds it, each waiter watches only its predecessor', async () => {
  const zk = await fx.client();
  await zk.create('/queue');
  // Names whose alphabetical order differs from their sequence order.
  const names: string[] = [];
  for (const prefix of ['z-', 'y-', 'x-', 'w-', 'v-'])
    names.push(await zk.create(`/queue/${prefix}`, '', { mode: 'ephemeral_sequential' }));
  // Every wake-up re-lists the queue and reports a new position: a waiter that watches only its predecessor
  // reports its first position and then 0; one woken by every deletion would report each step in between.
  const positions = names.map(() => [] as number[]);
  const acquiredAt: number[] = [];
  const deletedAt: number[] = [];
  const waiters = names.map((n, i) =>
    obtainQueueLock(zk, n, { waitMs: 10_000, onPosition: (idx) => positions[i]!.push(idx) }).then(() => {
      acquiredAt[i] = performance.now();
    })
  );
  for (const [i, n] of names.entries()) {
    await within(waiters[i]!, 5000, `${n} obtaining the lock`);
    deletedAt[i] = performance.now();
    await zk.delete(n);
  }
  for (let i = 1; i < names.length; i++) {
    assert.ok(acquiredAt[i]! > deletedAt[i - 1]!, `waiter ${i} held the lock before its predecessor was deleted`);
  }
  assert.deepEqual(positions, [[0], [1, 0], [2, 0], [3, 0], [4, 0]], 'each waiter is woken once, by its predecessor');
});

test('obtainQueueLock: timeout, try-once, abort, and our node deleted', async () => {
  const zk = await fx.client();
  await zk.create('/ql');
  const first = await zk.create('/ql/l-', '', { mode: 'ephemeral_sequential' });
  const second = await zk.create('/ql/l-', '', { mode: 'ephemeral_sequential' });
  await obtainQueueLock(zk, first, { waitMs: 0 });
  await assert.rejects(
    obtainQueueLock(zk, second, { waitMs: 0 }),
    (e: unknown) => e instanceof QueueLockError && e.code === 'TIMEOUT'
  );
  const t0 = performance.now();
  await assert.rejects(
    obtainQueueLock(zk, second, { waitMs: 300 }),
    (e: unknown) => e instanceof QueueLockError && e.code === 'TIMEOUT'
  );
  assert.ok(performance.now() - t0 >= 290, 'timed out early');
  const ac = new AbortController();
  const aborted = obtainQueueLock(zk, second, { signal: ac.signal });
  ac.abort(new Error('shutting down'));
  await assert.rejects(aborted, /shutting down/);
  const gone = obtainQueueLock(zk, second);
  await zk.delete(second);
  await zk.delete(first);
  await assert.rejects(
    within(gone, 2000, 'NOT_QUEUED/EMPTY_QUEUE rejection'),
    (e: unknown) => e instanceof QueueLockError && (e.code === 'NOT_QUEUED' || e.code === 'EMPTY_QUEUE')
  );
});
