// ZooKeeper restored from a backup: its history goes back, and fencing tokens already handed out are handed out
// again (README, "Restoring ZooKeeper from a backup"). The supervisor cannot prevent that; it says so when a term it
// wins has a token no higher than one it saw, and its term numbers keep growing.
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SupervisorProc, useSupervisors, writeConfig } from '../../helpers/supervisors.js';

const { fx, work, procs } = useSupervisors();

const field = (line: string, name: string) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line)?.[1]);

test('restore: a term won on a ZooKeeper restored from a backup says its token went back; terms still grow', async () => {
  const server = fx.cluster()!.servers[0]!;
  const data = join(server.dir, 'data');
  const backup = join(work.dir, 'zk-backup');
  const connect = await fx.chroot();
  // The backup: taken while the server is down (a copy of a live data directory may be torn).
  await server.kill();
  cpSync(data, backup, { recursive: true });
  server.start();
  await server.waitServing();

  const childLog = join(work.dir, 'restore.log');
  const config = writeConfig(work.dir, { connect, path: '/restore/job', childLog });
  const a = new SupervisorProc('rs-a', config);
  procs.push(a);
  const first = await a.waitLog(/to=running/, 15_000);
  const [term1, token1] = [field(first, 'term'), field(first, 'token')];
  assert.ok(token1 > 0, first);

  await server.kill();
  rmSync(data, { recursive: true, force: true });
  cpSync(backup, data, { recursive: true });
  const from = a.lines.length;
  server.start();
  await server.waitServing();

  // The restored server knows neither the supervisor's session nor its nodes: the term ends, a new one is won.
  const back = await a.waitLog(/fencing token went back/, 20_000, from);
  assert.ok(field(back, 'token') <= token1 && field(back, 'highestSeen') === token1, back);
  const again = await a.waitLog(/to=running/, 10_000, from);
  assert.ok(field(again, 'term') > term1, `the term number grows: ${term1}, then ${again}`);
  assert.equal(field(again, 'token'), field(back, 'token'));
});
