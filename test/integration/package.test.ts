// The Debian package (issue #27.3): `npm run package` builds it; here it is extracted into a scratch root and run
// from there with a PATH that holds nothing but the package's own /usr/bin — no gcc, make, python or system
// Node.js within reach (a debootstrap'd chroot would need root and minutes of downloads per CI run; what the
// package's programs link against is checked with readelf instead). It must lead, run the job, and hand over.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { useZk } from '../helpers/fixture.js';
import { workDir, writeConfig } from '../helpers/supervisors.js';
import { waitFor } from '../helpers/wait.js';

const fx = useZk();
const work = workDir();

/** The shared libraries a host must have: libc, libstdc++ and libgcc (Debian 12's minimal install has them). */
const ALLOWED = /^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux-x86-64|ld-linux-aarch64)\.so/;

const run = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

test('package: the .deb holds runtime, addon, leash, units and conffile, and links only against libc and libstdc++', async () => {
  // Not spawnSync: the fixture's ZooKeeper session must not expire while the event loop waits.
  const built = await promisify(execFile)('bash', ['scripts/package.sh'], {
    env: { ...process.env, ZKS_DEB_COMPRESS: 'gzip', ZKS_PACKAGE_BUILT: '1' },
  });
  const deb = built.stdout.trim().split('\n').at(-1)!;
  const files = run('dpkg-deb', ['-c', deb]);
  for (const f of [
    './usr/bin/zk-supervisor',
    './usr/lib/zk-supervisor/node',
    './usr/lib/zk-supervisor/app/build/zks-leash',
    './usr/lib/zk-supervisor/app/build/zks-notify.node',
    './usr/lib/zk-supervisor/app/node_modules/zookeeper/build/Release/zookeeper.node',
    './lib/systemd/system/zk-supervisor@.service',
    './lib/systemd/system/zk-supervisor.service',
    './lib/systemd/system/zk-supervisor-once@.timer',
    './etc/zk-supervisor/example.yaml',
    './usr/share/man/man1/zk-supervisor.1.gz',
    './usr/share/man/man5/zk-supervisor.yaml.5.gz',
    './usr/share/bash-completion/completions/zk-supervisor',
    './usr/share/doc/zk-supervisor/changelog.gz',
    './usr/share/doc/zk-supervisor/examples/grafana/zk-supervisor.json',
    './usr/share/doc/zk-supervisor/examples/prometheus/alerts.yaml',
  ]) {
    assert.ok(files.includes(f), `${f} is not in the package`);
  }
  assert.doesNotMatch(files, /\.(ts|c|h|gyp)$|node_modules\/(nan|typescript|esbuild)\//m, 'build-only files shipped');
  assert.equal(run('dpkg-deb', ['-I', deb, 'conffiles']).trim(), '/etc/zk-supervisor/example.yaml');
  assert.match(run('dpkg-deb', ['-f', deb, 'Depends']), /^libc6 \(>= 2\.28\), libgcc-s1, libstdc\+\+6/);
  const root = join(work.dir, 'root');
  run('dpkg-deb', ['-x', deb, root]);
  for (const bin of [
    'usr/lib/zk-supervisor/node',
    'usr/lib/zk-supervisor/app/build/zks-leash',
    'usr/lib/zk-supervisor/app/build/zks-notify.node',
    'usr/lib/zk-supervisor/app/node_modules/zookeeper/build/Release/zookeeper.node',
  ]) {
    const dynamic = run('readelf', ['-d', join(root, bin)]);
    const needed = [...dynamic.matchAll(/\(NEEDED\).*\[(.+)\]/g)].map((m) => m[1]!);
    assert.ok(needed.length > 0 || /no dynamic section/i.test(dynamic), `${bin}: no NEEDED entries read`);
    assert.deepEqual(
      needed.filter((n) => !ALLOWED.test(n)),
      [],
      `${bin} needs libraries a minimal Debian lacks`
    );
  }

  // No toolchain and no system Node.js on PATH: only the package's own command.
  const env = { PATH: join(root, 'usr/bin'), HOME: work.dir, LANG: 'C.UTF-8' };
  const cli = join(root, 'usr/bin/zk-supervisor');
  assert.equal(run(cli, ['--version'], env).trim(), JSON.parse(run('cat', ['package.json'])).version);
  run(cli, ['validate', '--quiet', '--config', join(root, 'etc/zk-supervisor/example.yaml')], env);

  const config = writeConfig(work.dir, {
    connect: await fx.chroot(),
    path: '/pkg/job',
    childLog: join(work.dir, 'pkg.log'),
    command: 'echo "job on $ZK_SUPERVISOR_ID"; exec /bin/sleep 600',
  });
  const start = (id: string) => {
    const p = spawn(cli, ['run', '--config', config, '--id', id], { env, detached: true, stdio: 'pipe' });
    const lines: string[] = [];
    for (const s of [p.stdout, p.stderr]) s.on('data', (d: Buffer) => lines.push(...d.toString().split('\n')));
    const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    return { p, lines, exited };
  };
  const a = start('pkg-a');
  const b = start('pkg-b');
  try {
    const seen = (s: { lines: string[] }, re: RegExp, what: string) =>
      waitFor(() => s.lines.some((l) => re.test(l)), { timeoutMs: 15_000, what, intervalMs: 20 }).catch((e) => {
        throw new Error(`${(e as Error).message}; its log:\n${s.lines.join('\n')}`);
      });
    const first = await waitFor(() => [a, b].find((s) => s.lines.some((l) => /to=running/.test(l))), {
      timeoutMs: 15_000,
      what: 'one of them leading',
      intervalMs: 20,
    });
    const [leader, standby, id] = first === a ? [a, b, 'pkg-a'] : [b, a, 'pkg-b'];
    await seen(leader, new RegExp(`job on ${id}`), "the leader's job running");
    await seen(standby, /candidate position/, 'the other one queued');
    const exe = readlinkSync(`/proc/${leader.p.pid}/exe`);
    assert.equal(exe, join(root, 'usr/lib/zk-supervisor/node'), 'the package runs on its own runtime');
    leader.p.kill('SIGTERM');
    await seen(standby, /to=running/, 'the other one leading after SIGTERM of the leader');
    assert.equal(await leader.exited, 0, leader.lines.join('\n'));
  } finally {
    for (const s of [a, b]) {
      try {
        process.kill(-s.p.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await Promise.all([a.exited, b.exited]);
  }
});
