// metrics.listen: /metrics scraped during a failover, /healthz, /readyz and /status from a real supervisor.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SupervisorProc, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';
import { freePort } from '../../helpers/zk-server.js';

const { fx, work, procs } = useSupervisors();

const get = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { code: res.status, body: await res.text() };
};
const metric = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

test('metrics: leader gauge, transitions and lease during a failover; health, readiness and status', async () => {
  const root = await fx.chroot();
  const childLog = join(work.dir, 'metrics.log');
  const ports = [await freePort(), await freePort()];
  const configs = ports.map((p) =>
    writeConfig(work.dir, {
      connect: root,
      path: '/metrics/job',
      childLog,
      extra: `metrics:\n  listen: "127.0.0.1:${p}"`,
    })
  );
  const a = new SupervisorProc('m-a', configs[0]!);
  procs.push(a);
  await a.waitLog(/to=running/, 10_000);
  const b = new SupervisorProc('m-b', configs[1]!);
  procs.push(b);
  await b.waitLog(/candidate position/, 10_000);
  const [pa, pb] = ports as [number, number];

  const ma = (await get(pa, '/metrics')).body;
  assert.equal(metric(ma, 'zk_supervisor_leader'), 1);
  assert.equal(metric(ma, 'zk_supervisor_child_running'), 1);
  assert.equal(metric(ma, 'zk_supervisor_zookeeper_state{state="connected"}'), 1);
  assert.ok(metric(ma, 'zk_supervisor_lease_remaining_seconds')! > 0, 'a leader has lease left');
  await waitFor(
    async () => metric((await get(pa, '/metrics')).body, 'zk_supervisor_heartbeat_rtt_seconds_count')! > 0,
    {
      timeoutMs: 3000,
      what: 'a heartbeat measured',
    }
  );
  assert.equal(metric((await get(pb, '/metrics')).body, 'zk_supervisor_leader'), 0);
  for (const p of ports) {
    assert.equal((await get(p, '/healthz')).code, 200);
    assert.equal((await get(p, '/readyz')).code, 200, 'leader and candidate are both ready');
  }

  a.signal('SIGTERM');
  await b.waitLog(/to=running/, 10_000);
  await waitFor(async () => metric((await get(pb, '/metrics')).body, 'zk_supervisor_leader') === 1, {
    timeoutMs: 3000,
    what: 'the new leader reporting it',
  });
  const mb = (await get(pb, '/metrics')).body;
  assert.equal(metric(mb, 'zk_supervisor_leadership_transitions_total{reason="won"}'), 1);
  const status = JSON.parse((await get(pb, '/status')).body);
  assert.equal(status.leader.id, 'm-b');
  assert.equal((await get(pb, '/nope')).code, 404);
});

test('metrics: scheduled runs by outcome, their duration, the last success and the last outcome', async () => {
  const port = await freePort();
  const childLog = join(work.dir, 'runs.log');
  // every second, a child that runs 100 ms and exits 1 on odd seconds: success and failure both come
  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/metrics/runs',
    childLog,
    command: ['/bin/sh', '-c', 'sleep 0.1; [ $(( $(date +%s) % 2 )) -eq 0 ]'],
    extraTask: '  schedule: "* * * * * *"',
    extra: `metrics:\n  listen: "127.0.0.1:${port}"`,
  });
  const s = new SupervisorProc('runs', config);
  procs.push(s);
  const scrape = async () => (await get(port, '/metrics')).body;
  await waitFor(
    async () => {
      const m = await scrape();
      return (
        (metric(m, 'zk_supervisor_runs_total{outcome="success"}') ?? 0) >= 1 &&
        (metric(m, 'zk_supervisor_runs_total{outcome="failure"}') ?? 0) >= 1
      );
    },
    { timeoutMs: 10_000, what: 'a successful and a failed run counted' }
  );
  const m = await scrape();
  const ran = metric(m, 'zk_supervisor_run_duration_seconds_count')!;
  assert.ok(ran >= 2, `${ran} durations observed`);
  const sum = metric(m, 'zk_supervisor_run_duration_seconds_sum')!;
  assert.ok(sum / ran >= 0.1 && sum / ran < 2, `mean run ${sum / ran} s for a 0.1 s child`);
  const last = metric(m, 'zk_supervisor_last_success_timestamp_seconds')!;
  assert.ok(Math.abs(last - Date.now() / 1000) < 10, 'the last success is recent');
  const outcomes = ['success', 'failure'].map((o) => metric(m, `zk_supervisor_last_run_outcome{outcome="${o}"}`));
  assert.deepEqual(outcomes.sort(), [0, 1], 'one last outcome');
});
