// Several holders, end to end: `election.slots: 2` over four supervisors runs exactly two children, in slots 0
// and 1 (ZK_SUPERVISOR_SLOT); a killed holder's slot is re-taken under the same index, the other slot undisturbed,
// never three at once; a host whose config says another slot count is refused.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { bySlot, maxConcurrent, overlaps, readRuns } from '../../helpers/overlap.js';
import { BIN, SupervisorProc, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor, within } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();

const live = (childLog: string) => readRuns(childLog).filter((r) => !r.stopped);

test('slots: 2 slots over 4 hosts run two children (slots 0 and 1); a killed holder’s slot is re-taken', async () => {
  const childLog = join(work.dir, 'children.log');
  const connect = await fx.chroot();
  const config = writeConfig(work.dir, { connect, path: '/jobs/slots', childLog, extraElection: '  slots: 2' });
  const sups = ['a', 'b', 'c', 'd'].map((id) => new SupervisorProc(id, config));
  procs.push(...sups);
  await Promise.all(sups.map((s) => s.waitLog(/candidate position|to=running/, 15_000)));
  await waitFor(() => readRuns(childLog).length >= 2, { timeoutMs: 10_000, what: 'two children started' });
  const first = readRuns(childLog);
  assert.deepEqual(first.map((r) => r.slot).sort(), ['0', '1'], 'one child in each slot');
  assert.notEqual(first[0]!.name, first[1]!.name, 'on two hosts');

  const status = execFileSync(process.execPath, [BIN, 'status', '--config', config], { encoding: 'utf8' });
  assert.match(status, /^slot 0:\n {2}leader: \S+ \(host /m);
  assert.match(status, /^slot 1:\n {2}leader: \S+ \(host /m);
  const json = JSON.parse(execFileSync(process.execPath, [BIN, 'status', '--config', config, '--json']).toString());
  assert.equal(json.slots.length, 2);
  // the holders' pid nodes name their slots
  await waitFor(
    async () => {
      const st = JSON.parse(execFileSync(process.execPath, [BIN, 'status', '--config', config, '--json']).toString());
      const slotOf = (id: string) => st.pidNodes.find((p: { data: { id: string } }) => p.data.id === id)?.data.slot;
      return first.every((r) => String(slotOf(r.name)) === r.slot);
    },
    { timeoutMs: 5000, what: "the holders' pid nodes naming their slots" }
  );

  const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args, '--config', config], { encoding: 'utf8' });
  const noSlot = cli(['resign']);
  assert.equal(noSlot.status, 2);
  assert.match(noSlot.stderr, /--slot: \/jobs\/slots has 2 slots: name the one to resign \(0…1\)/);
  const once = cli(['once']);
  assert.equal(once.status, 2, 'once refuses slots');
  assert.match(once.stderr, /election\.slots: once runs the command on one host/);
  const resigned = cli(['resign', '--slot', '0', '--wait', '--timeout', '10s']);
  assert.equal(resigned.status, 0, resigned.stderr);
  await waitFor(() => readRuns(childLog).filter((r) => r.slot === '0').length === 2, {
    timeoutMs: 10_000,
    what: 'slot 0 handed over after resign --slot 0',
  });
  assert.equal(readRuns(childLog).filter((r) => r.slot === '1').length, 1, 'slot 1 untouched by the resign of slot 0');

  const holder1 = sups.find((s) => s.id === first.find((r) => r.slot === '1')!.name)!;
  const killed = performance.now();
  holder1.killGroup(); // its leash kills the child; its session expires after T
  await waitFor(() => readRuns(childLog).length >= 4, { timeoutMs: 10_000, what: 'slot 1 re-taken' });
  const took = performance.now() - killed;
  const runs = readRuns(childLog);
  const retaken = runs[3]!;
  assert.equal(retaken.slot, '1', 'the lost slot was re-taken under its index');
  assert.notEqual(retaken.name, holder1.id);
  assert.equal(bySlot(runs).get('0')!.length, 2, 'slot 0 was not disturbed');
  for (const [slot, inSlot] of bySlot(runs))
    assert.deepEqual(
      overlaps(inSlot).map((o) => `${o.a.name}/${o.b.name} ${o.ms.toFixed(1)} ms`),
      [],
      `two children of slot ${slot} ran at once`
    );
  assert.ok(maxConcurrent(runs) <= 2, 'never more than 2 children at once');
  assert.equal(live(childLog).length, 2);
  console.log(`# slots: slot 1 re-taken ${took.toFixed(0)} ms after its holder was killed (T = 2 s)`);

  // a host whose config says 3 slots is refused, the others go on
  const other = writeConfig(work.dir, { connect, path: '/jobs/slots', childLog, extraElection: '  slots: 3' });
  const odd = new SupervisorProc('e', other);
  procs.push(odd);
  await odd.waitLog(/election\.slots is 3 here, but \/jobs\/slots\/slots says 2/, 10_000);
  assert.equal(await within(odd.exited, 10_000, 'the refused host exiting'), 1, 'the refused host exits 1');
  // …and so is one of a single election there: it would not see the slots' holders
  const single = new SupervisorProc('f', writeConfig(work.dir, { connect, path: '/jobs/slots', childLog }));
  procs.push(single);
  await single.waitLog(/election\.slots is 1 here, but \/jobs\/slots\/slots says 2/, 10_000);
  assert.equal(await within(single.exited, 10_000, 'the single-election host exiting'), 1);
  assert.equal(readRuns(childLog).length, 4);

  // drain moves the host out of the slot it holds: the slot goes on elsewhere, under its index
  const holder0 = bySlot(readRuns(childLog)).get('0')!.at(-1)!.name;
  const drained = cli(['drain', '--id', holder0]);
  assert.equal(drained.status, 0, drained.stderr);
  await waitFor(() => bySlot(readRuns(childLog)).get('0')!.length === 3, { timeoutMs: 10_000, what: 'slot 0 moved' });
  const after = readRuns(childLog);
  assert.notEqual(bySlot(after).get('0')!.at(-1)!.name, holder0, 'the drained host no longer holds slot 0');
  assert.equal(bySlot(after).get('1')!.length, 2, 'slot 1 untouched by the drain');
  for (const [, inSlot] of bySlot(after)) assert.deepEqual(overlaps(inSlot), []);
});
