// Local demo: a throwaway ZooKeeper, three supervisors ("hosts") with the same config, a graceful
// hand-over (SIGTERM) and a crash failover (kill -9 of a host's supervisor and child).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster } from '../test/helpers/zk-server.js';
import { SupervisorProc, killAll } from '../test/helpers/supervisors.js';

const tty = process.stdout.isTTY;
const color = (code: number, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const COLORS: Record<string, number> = { 'host-a': 36, 'host-b': 35, 'host-c': 33 };
const started = performance.now();
const clock = () => `+${((performance.now() - started) / 1000).toFixed(3)}s`;
const say = (s: string) => process.stdout.write(`\n${color(1, `${clock()} == ${s}`)}\n`);
const cluster = await startCluster(1);
const sups: SupervisorProc[] = [];
const cleanup = async () => {
  await killAll(sups);
  await cluster.stop();
};
process.on('SIGINT', () => {
  void cleanup().then(() => process.exit(130));
});
try {
  say(`ZooKeeper running on ${cluster.connectString}`);
  const config = join(import.meta.dirname, '../config/demo.yaml');
  process.env.ZK_CONNECT = cluster.connectString;
  process.stdout.write(readFileSync(config, 'utf8').replace(/^/gm, '  | '));
  const show = (p: SupervisorProc) =>
    p.proc.stderr!.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n')) {
        if (!/state change|child output|candidate position|shutdown|child stopped/.test(l)) continue;
        const short = l
          .replace(/^\S+ \w+\s+/, '')
          .replace(/ id=\S+/, '')
          .replace(/ node=\S+/, '')
          .replace(/ sessionId=\S+/, '');
        process.stdout.write(`${clock().padStart(9)} ${color(COLORS[p.id] ?? 0, `[${p.id}]`)} ${short}\n`);
      }
    });
  say('starting three supervisors (host-a, host-b, host-c) with the same config');
  for (const id of ['host-a', 'host-b', 'host-c']) {
    const p = new SupervisorProc(id, config);
    show(p);
    sups.push(p);
    await p.waitLog(/candidate position/, 10_000);
  }
  const leader1 = await Promise.any(sups.map((s) => s.waitLog(/to=running/, 10_000).then(() => s)));
  await new Promise((r) => setTimeout(r, 1200));
  say(`${leader1.id} leads. Graceful hand-over: SIGTERM to ${leader1.id}`);
  let t0 = performance.now();
  leader1.signal('SIGTERM');
  const rest1 = sups.filter((s) => s !== leader1);
  const leader2 = await Promise.any(rest1.map((s) => s.waitLog(/to=running/, 10_000).then(() => s)));
  const graceful = performance.now() - t0;
  await leader1.exited;
  await new Promise((r) => setTimeout(r, 1200));
  say(`${leader2.id} took over in ${graceful.toFixed(0)} ms. Crash: kill -9 ${leader2.id}'s supervisor and child`);
  t0 = performance.now();
  const childPgid = Number(/childPgid=(\d+)/.exec(leader2.lines.findLast((l) => l.includes('to=running'))!)![1]);
  leader2.killGroup();
  try {
    process.kill(-childPgid, 'SIGKILL');
  } catch {
    /* gone */
  }
  const leader3 = await Promise.any(
    sups.filter((s) => s !== leader1 && s !== leader2).map((s) => s.waitLog(/to=running/, 15_000).then(() => s))
  );
  const crash = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 1200));
  say(
    `${leader3.id} took over ${crash.toFixed(0)} ms after the crash (session timeout 3 s: ZooKeeper had to expire ${leader2.id}'s session)`
  );
  say('summary');
  process.stdout.write(
    `  graceful hand-over: ${graceful.toFixed(0)} ms\n  crash failover:     ${crash.toFixed(0)} ms\n`
  );
  leader3.signal('SIGTERM');
  await leader3.exited;
} finally {
  await cleanup();
}
process.exit(0);
