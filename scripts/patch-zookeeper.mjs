// Patches the `zookeeper` binding (node_modules/zookeeper/src/node-zk.cpp) and rebuilds it (its C client library
// is already built: only the binding's one file is compiled again, ~3 s). Idempotent; runs on `npm install` /
// `npm ci` after the leash and from scripts/setup.sh. Fails soft: without the patch everything works — at a higher
// idle cost, and in secured mode with the window the second edit closes — and one line on stderr says so.
//
// 1. The C client re-resolves the connect string on every I/O event by default (getaddrinfo with AI_ADDRCONFIG: a
//    netlink socket and an address dump, and a read of /dev/urandom to shuffle the hosts), ~12 system calls per
//    event and most of an idle leader's CPU (#28). zoo_set_servers_resolution_delay() bounds it to once a minute
//    while connected; while disconnected, every connection attempt still resolves afresh.
// 2. The binding creates every node with the open ACL: a secured node was created open and narrowed one round
//    trip later, a window an outsider could race (#25.4). `a_create_acl(path, data, flags, acl, cb)` passes the
//    ACL to the C client's create (which serializes it at once: the vector is freed on return).
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

const EDITS = [
  {
    mark: 'zk-supervisor: resolution delay',
    anchor:
      /( *)zhandle = zookeeper_init\(hostPort, main_watcher, session_timeout, &myid, this, 0\);\n\s*if \(!zhandle\) \{[^}]*\}\n/,
    insert: (indent, mark) => `${indent}zoo_set_servers_resolution_delay(zhandle, 60000); // ${mark}\n`,
  },
  {
    mark: 'zk-supervisor: create with an ACL',
    anchor: /( *)Nan::SetPrototypeMethod\(constructor_template, +"a_create", +ACreate\);\n/,
    insert: (indent, mark) =>
      `${indent}Nan::SetPrototypeMethod(constructor_template, "a_create_acl", ACreateAcl); // ${mark}\n`,
  },
  {
    mark: 'zk-supervisor: ACreateAcl',
    anchor: /( *)static void ACreateTtl\(const Nan::FunctionCallbackInfo<Value>& info\) \{\n/,
    before: true,
    insert: (i, mark) =>
      [
        `${i}// ${mark}: a_create with the node's ACL (the C client serializes it at once)`,
        `${i}static void ACreateAcl(const Nan::FunctionCallbackInfo<Value>& info) {`,
        `${i}    A_METHOD_PROLOG(5);`,
        `${i}    Nan::Utf8String _path (toString(info[0]));`,
        `${i}    uint32_t flags = toUint(info[2]);`,
        `${i}    struct ACL_vector *aclv = zk->createAclVector(Local<Array>::Cast(info[3]));`,
        `${i}    int ret = ZINVALIDSTATE;`,
        `${i}    if (Buffer::HasInstance(info[1])) {`,
        `${i}        Local<Object> _data = toLocalObj(info[1]);`,
        `${i}        if (zk->zhandle) ret = zoo_acreate(zk->zhandle, *_path, BufferData(_data), BufferLength(_data), aclv, flags, string_completion, cb);`,
        `${i}    } else {`,
        `${i}        Nan::Utf8String _data (toString(info[1]));`,
        `${i}        if (zk->zhandle) ret = zoo_acreate(zk->zhandle, *_path, *_data, _data.length(), aclv, flags, string_completion, cb);`,
        `${i}    }`,
        `${i}    deallocate_ACL_vector(aclv);`,
        `${i}    free(aclv);`,
        `${i}    RETURN_VALUE(info, Nan::New<Int32>(ret));`,
        `${i}}`,
        '',
        '',
      ].join('\n'),
  },
];

const warn = (why) => {
  console.error(
    `zk-supervisor: the zookeeper binding was not patched (${why}); it works, at a higher idle CPU cost and ` +
      'with secured nodes created open for one round trip'
  );
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
const patched = EDITS.every((e) => source.includes(e.mark));
if (patched && existsSync(stamp) && readFileSync(stamp, 'utf8') === identity()) process.exit(0);
let text = source;
for (const e of EDITS) {
  if (text.includes(e.mark)) continue;
  const m = e.anchor.exec(text);
  if (!m) warn(`its source is not the one this patch knows (${e.mark})`);
  const at = e.before ? m.index : m.index + m[0].length;
  text = text.slice(0, at) + e.insert(m[1], e.mark) + text.slice(at);
}
if (text !== source) writeFileSync(file, text);
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
