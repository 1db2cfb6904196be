// The package as its users see it: imports through the entry point (`zk-supervisor`, i.e. dist/) only, and the
// README's elector example run for real.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { Baton, Election, Lease, Mutex, Zk, lead, obtainQueueLock } from 'zk-supervisor';
import { useZk } from '../../helpers/fixture.js';
import { track } from '../../helpers/reaper.js';
import { nextEvent, waitFor } from '../../helpers/wait.js';

const fx = useZk();
const EXAMPLE = resolve(import.meta.dirname, '../../../examples/leader-only.mjs');

test('library: the entry point exports the recipes', () => {
  for (const [name, v] of Object.entries({ Baton, Election, Lease, Mutex, Zk, lead, obtainQueueLock }))
    assert.equal(typeof v, 'function', name);
});

test('library: the elector example leads in one process at a time and hands over on SIGTERM', async () => {
  const connect = await fx.chroot();
  const start = () => {
    const p = spawn(process.execPath, [EXAMPLE], {
      env: { ...process.env, ZK: connect },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    track(p);
    const lines: string[] = [];
    p.stdout!.setEncoding('utf8').on('data', (d: string) => {
      lines.push(...d.trim().split('\n'));
      p.emit('line');
    });
    const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    const saw = (re: RegExp, what: string) =>
      lines.some((l) => re.test(l))
        ? Promise.resolve()
        : nextEvent(p, 'line', { timeoutMs: 10_000, what, filter: () => lines.some((l) => re.test(l)) }).then(() => {});
    return { p, lines, exited, saw };
  };
  const a = start();
  await a.saw(/^leading: term 1, fencing token \d+$/, 'the first process leading');
  const b = start();
  const zk = await fx.client({ connect });
  await waitFor(async () => (await zk.children('/demo/job/candidates')).children.length === 2, {
    timeoutMs: 10_000,
    what: 'the second process queued',
  });
  assert.ok(!b.lines.some((l) => l.startsWith('leading')), 'two leaders at once');
  a.p.kill('SIGTERM');
  await a.saw(/^no longer leading: SIGTERM$/, 'the first process stepping down');
  assert.equal(await a.exited, 0);
  await b.saw(/^leading: term 2, fencing token \d+$/, 'the second process taking over');
  b.p.kill('SIGTERM');
  assert.equal(await b.exited, 0);
});
