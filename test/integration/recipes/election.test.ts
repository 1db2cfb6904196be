// The Election on a real ZooKeeper: who leads, how a won term is lost, deferred announcement, timeouts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Election } from '../../../src/recipes/election.js';
import { RecipeError } from '../../../src/recipes/errors.js';
import { TermHistory } from '../../../src/recipes/history.js';
import { deleteRecursive } from '../../../src/zk/helpers.js';
import { useZk } from '../../helpers/fixture.js';
import { waitFor, within } from '../../helpers/wait.js';

const fx = useZk();
/** Resolves once `signal` has aborted (at once if it has). */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((r) => {
    if (signal.aborted) r();
    else signal.addEventListener('abort', () => r());
  });
const me = (id: string) => ({ id, host: 'test', pid: process.pid, description: '' });

test('election: the lowest candidate leads; the term number grows; leader() reads it back', async () => {
  const root = await fx.chroot();
  const [za, zb] = await Promise.all([fx.client({ connect: root }), fx.client({ connect: root })]);
  const a = new Election(za, '/e', { info: me('a') });
  const b = new Election(zb, '/e', { info: me('b') });
  const ta = await a.campaign();
  const positions: number[] = [];
  const tb = b.campaign({ onPosition: (p) => positions.push(p.index) });
  await waitFor(() => positions.length > 0, { timeoutMs: 5000, what: 'b queued', intervalMs: 5 });
  assert.deepEqual(
    (await a.contenders()).map((c) => c.id),
    ['a', 'b']
  );
  assert.equal((await a.leader())?.id, 'a');
  assert.equal((await a.leader())?.token, undefined, 'an election alone has no fencing token (a Term has)');
  await ta.release();
  assert.ok(ta.lost.aborted, 'a released term is over');
  const second = await within(tb, 5000, 'b leading after a released');
  assert.equal(second.term, ta.term + 1);
  assert.deepEqual(positions, [1, 0]);
  assert.equal((await a.leader())?.id, 'b');
  await second.release();
  assert.equal(await a.leader(), undefined, 'nobody leads');
});

test('election: the term is lost when its candidate node is deleted or the leader node is rewritten', async () => {
  const root = await fx.chroot();
  const zk = await fx.client({ connect: root });
  const op = await fx.client({ connect: root });
  const e = new Election(zk, '/e', { info: me('a') });
  const t1 = await e.campaign();
  await op.delete(t1.node);
  await within(aborted(t1.lost), 5000, 'term lost after the candidate node was deleted');
  assert.match(String((t1.lost.reason as Error).message), /candidate node deleted/);
  await t1.release();
  const t2 = await e.campaign();
  await op.set('/e/leader', '{"id":"intruder"}');
  await within(aborted(t2.lost), 5000, 'term lost after the leader node was rewritten');
  assert.match(String((t2.lost.reason as Error).message), /leader node changed/);
  await t2.release();
  assert.deepEqual((await op.children('/e/candidates')).children, [], 'released: no candidate node left');
});

test('election: deferAnnounce hands the term out before the leader node is written; announce writes it', async () => {
  const root = await fx.chroot();
  const zk = await fx.client({ connect: root });
  const op = await fx.client({ connect: root });
  const e = new Election(zk, '/e', { info: me('a') });
  const t1 = await e.campaign({ deferAnnounce: true });
  assert.equal(await e.leader(), undefined, 'not announced yet');
  await t1.announce({ token: 4242 });
  const led = await e.leader();
  assert.deepEqual([led?.id, led?.term, led?.token], ['a', t1.term, 4242]);
  await op.set('/e/leader', '{"id":"intruder"}');
  await within(aborted(t1.lost), 5000, 'announced: the watches end the term when the leader node is rewritten');
  await t1.release();
  // Written by someone else between the campaign's read and our write: the term is lost, nothing overwritten.
  const t2 = await e.campaign({ deferAnnounce: true });
  await op.set('/e/leader', '{"id":"intruder again"}');
  await t2.announce();
  assert.match(String((t2.lost.reason as Error).message), /leader node changed before we wrote it/);
  assert.equal((await op.get('/e/leader')).data.toString(), '{"id":"intruder again"}');
  await t2.release();
});

test('election: a campaign that times out leaves no node; one without info is refused', async () => {
  const root = await fx.chroot();
  const zk = await fx.client({ connect: root });
  const other = await fx.client({ connect: root });
  const held = await new Election(other, '/e', { info: me('b') }).campaign();
  await assert.rejects(
    new Election(zk, '/e', { info: me('a') }).campaign({ timeoutMs: 0 }),
    (e: unknown) => e instanceof RecipeError && e.code === 'LOCK_TIMEOUT'
  );
  assert.equal((await zk.children('/e/candidates')).children.length, 1);
  await assert.rejects(new Election(zk, '/e').campaign(), /needs opts\.info/);
  await held.release();
});

test('election: term numbers only grow, even after the election was deleted by hand (#25.3)', async () => {
  const root = await fx.chroot();
  const [zk, op] = await Promise.all([fx.client({ connect: root }), fx.client({ connect: root })]);
  const history = new TermHistory(); // what one process keeps across its sessions
  const t1 = await new Election(zk, '/e', { info: me('a'), history }).campaign();
  await t1.release();
  const t2 = await new Election(zk, '/e', { info: me('a'), history }).campaign();
  assert.equal(t2.term, t1.term + 1, 'one more per term (the ended mark does not count)');
  await t2.release();
  await deleteRecursive(op, '/e'); // "reset the stuck election"
  const t3 = await new Election(zk, '/e', { info: me('a'), history }).campaign();
  assert.ok(t3.term > t2.term, `term ${t2.term} → ${t3.term} after the reset`);
  await t3.release();
});
