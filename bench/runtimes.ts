// node --import tsx bench/runtimes.ts --other <node> --other-app <dir> [--trials N]: the same supervisor on two
// Node.js runtimes, in one run: this one (with this checkout) and `--other` with `--other-app`, a copy of this
// checkout (dist, bin, build, node_modules, package.json) whose zookeeper addon was rebuilt for that runtime
// (`npm rebuild zookeeper` with it). Interleaved trials on one private ZooKeeper; prints medians of `validate`
// (spawn → exit), `run` (spawn → child running) and RSS after 2 s.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Zk } from '../src/zk/client.js';
import { writeConfig } from '../test/helpers/supervisors.js';
import { startCluster } from '../test/helpers/zk-server.js';
import { median, rssMb } from './stats.js';

const { values } = parseArgs({
  options: { trials: { type: 'string', default: '7' }, other: { type: 'string' }, 'other-app': { type: 'string' } },
});
if (!values.other || !values['other-app']) throw new Error('usage: --other <node binary> --other-app <dir>');
const RUNTIMES = [
  { node: process.execPath, app: resolve(import.meta.dirname, '..') },
  { node: values.other, app: resolve(values['other-app']) },
].map((r) => ({ ...r, version: spawnSync(r.node, ['-v'], { encoding: 'utf8' }).stdout.trim() }));
const TRIALS = Number(values.trials);
const dir = mkdtempSync(join(tmpdir(), 'zk-supervisor-runtimes-'));
const cluster = await startCluster(1);
const figures = RUNTIMES.map(() => ({ validate: [] as number[], run: [] as number[], rss: [] as number[] }));
try {
  for (let i = 0; i < TRIALS; i++) {
    for (const [k, rt] of RUNTIMES.entries()) {
      const cli = join(rt.app, 'bin/zk-supervisor.js');
      const admin = await Zk.connect({ connect: cluster.connectString });
      await admin.create(`/rt-${k}-${i}`);
      admin.close();
      const config = writeConfig(dir, {
        connect: `${cluster.connectString}/rt-${k}-${i}`,
        path: '/job',
        childLog: join(dir, 'c.log'),
        command: 'echo start; exec sleep 600',
      });
      let t0 = performance.now();
      spawnSync(rt.node, [cli, 'validate', '--quiet', '--config', config]);
      figures[k]!.validate.push(performance.now() - t0);
      t0 = performance.now();
      const p = spawn(rt.node, [cli, 'run', '--config', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      await new Promise<void>((r, reject) => {
        const timer = setTimeout(() => reject(new Error(`${rt.version}: no child running after 15 s`)), 15_000);
        p.stderr.on('data', (d: Buffer) => {
          if (/to=running/.test(d.toString())) {
            clearTimeout(timer);
            r();
          }
        });
      });
      figures[k]!.run.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 2000));
      figures[k]!.rss.push(rssMb(p.pid!));
      const gone = new Promise((r) => p.once('exit', r));
      process.kill(-p.pid!, 'SIGKILL');
      await gone;
      process.stderr.write(`\r${i + 1}/${TRIALS}   `);
    }
  }
} finally {
  process.stderr.write('\n');
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`| runtime (${TRIALS} trials, medians) | validate, ms | run → child running, ms | RSS after 2 s, MB |`);
console.log('|---|---|---|---|');
for (const [k, rt] of RUNTIMES.entries()) {
  const f = figures[k]!;
  console.log(
    `| ${rt.version} | ${median(f.validate).toFixed(0)} | ${median(f.run).toFixed(0)} | ${median(f.rss).toFixed(1)} |`
  );
}
