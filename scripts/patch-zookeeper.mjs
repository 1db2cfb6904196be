// Patches the `zookeeper` binding (node_modules/zookeeper/src/node-zk.cpp) and rebuilds it (its C client library
// is already built: only the binding's one file is compiled again, ~10 s). Idempotent; runs on `npm install` /
// `npm ci` after the leash and from scripts/setup.sh. Fails soft: without the patch everything works, at a higher
// idle cost — one line on stderr says so.
//
// The patch: the C client re-resolves the connect string on every I/O event by default (getaddrinfo with
// AI_ADDRCONFIG: a netlink socket and an address dump, and a read of /dev/urandom to shuffle the hosts), ~12
// system calls per event and most of an idle leader's CPU (#28). zoo_set_servers_resolution_delay() bounds it to
// once a minute while connected; while disconnected, every connection attempt still resolves afresh.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const MARK = 'zk-supervisor: resolution delay';
const ANCHOR =
  /( *)zhandle = zookeeper_init\(hostPort, main_watcher, session_timeout, &myid, this, 0\);\n\s*if \(!zhandle\) \{[^}]*\}\n/;

const warn = (why) => {
  console.error(`zk-supervisor: the zookeeper binding was not patched (${why}); it works, at a higher idle CPU cost`);
  process.exit(0);
};

let dir;
try {
  dir = dirname(createRequire(import.meta.url).resolve('zookeeper/package.json'));
} catch {
  warn('the zookeeper package is not installed');
}
const file = join(dir, 'src/node-zk.cpp');
const source = readFileSync(file, 'utf8');
const built = join(dir, 'build/Release/zookeeper.node');
// The addon built from the patched source, as last seen: a rebuild for another Node.js ABI changes it.
const stamp = `${built}.zks-patched`;
const identity = () => (existsSync(built) ? `${statSync(built).size} ${statSync(built).mtimeMs}` : '');
if (source.includes(MARK) && existsSync(stamp) && readFileSync(stamp, 'utf8') === identity()) process.exit(0);
if (!source.includes(MARK)) {
  const m = ANCHOR.exec(source);
  if (!m) warn('its source is not the one this patch knows');
  const line = `${m[1]}zoo_set_servers_resolution_delay(zhandle, 60000); // ${MARK}\n`;
  writeFileSync(file, source.slice(0, m.index + m[0].length) + line + source.slice(m.index + m[0].length));
}
// npm gives lifecycle scripts its node-gyp; outside one, the copy bundled with the npm on PATH.
const npmGyp = () => {
  for (const d of (process.env.PATH ?? '').split(':')) {
    const npm = join(d, 'npm');
    if (!existsSync(npm)) continue;
    const gyp = join(dirname(realpathSync(npm)), '../node_modules/node-gyp/bin/node-gyp.js');
    if (existsSync(gyp)) return gyp;
  }
  return undefined;
};
const gyp = process.env.npm_config_node_gyp ?? npmGyp();
if (!gyp) warn('node-gyp not found');
// `build` recompiles what changed when the package's own build left its configuration; the old addon is put back
// should the build fail.
const step = existsSync(join(dir, 'build/config.gypi')) ? 'build' : 'rebuild';
const keep = `${built}.unpatched`;
if (existsSync(built)) copyFileSync(built, keep);
const r = spawnSync(process.execPath, [gyp, step, '--loglevel=error'], {
  cwd: dir,
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (r.status !== 0) {
  if (existsSync(keep)) renameSync(keep, built);
  warn(`node-gyp ${step} exited ${r.status ?? r.signal}`);
}
if (existsSync(keep)) rmSync(keep);
writeFileSync(stamp, identity());
