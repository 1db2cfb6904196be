// The package as its users see it: imports through the entry point (`zk-supervisor`, i.e. dist/) only, and the
// README's elector example run for real.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { Baton, Election, Lease, Mutex, Zk, lead, obtainQueueLock } from 'zk-supervisor';
import { useZk } from '../../helpers/fixture.js';
import { track } from '../../helpers/reaper.js';
import { nextEvent, waitFor } from '../../helpers/wait.js';

const fx = useZk();
const ROOT = resolve(import.meta.dirname, '../../..');
const EXAMPLE = join(ROOT, 'examples/leader-only.mjs');

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

test('library: the packed tarball holds what users import and run (dist, bin, the leash source)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zks-pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // dist/ is built by the test command; `npm pack` alone runs prepack (the build) first.
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [{ filename, files }] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }];
  const paths = files.map((f) => f.path);
  for (const must of [
    'dist/index.js',
    'dist/index.d.ts',
    'dist/zk-supervisor.mjs',
    'bin/zk-supervisor.js',
    'native/leash.c',
  ])
    assert.ok(paths.includes(must), `${must} is in the tarball`);
  assert.ok(!paths.some((p) => p.startsWith('src/') || p.startsWith('test/')), 'no sources or tests in the tarball');
  const app = join(dir, 'app');
  const pkg = join(app, 'node_modules', 'zk-supervisor');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, filename), '-C', pkg, '--strip-components=1']);
  // The dependencies as npm would install them (already here: linked rather than downloaded).
  const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const dep of Object.keys(dependencies))
    symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep));
  symlinkSync(join(ROOT, 'build'), join(pkg, 'build')); // the leash the install script would compile
  const probe =
    "import { Election, Mutex, Lease } from 'zk-supervisor'; console.log(typeof Election, typeof Mutex, typeof Lease);";
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: app, encoding: 'utf8' });
  assert.equal(out.trim(), 'function function function');
  const help = execFileSync(process.execPath, [join(pkg, 'bin', 'zk-supervisor.js'), '--help'], { encoding: 'utf8' });
  assert.match(help, /validate/);
});
