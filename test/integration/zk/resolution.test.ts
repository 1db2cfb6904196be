// The patched binding (scripts/patch-zookeeper.mjs): the C client resolves the connect string when it connects,
// not on every I/O event — each resolution is a netlink socket (getaddrinfo with AI_ADDRCONFIG), so counting
// those sockets under strace while a client sends 40 requests tells. Unpatched: one or two per request.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { useZk } from '../../helpers/fixture.js';

const fx = useZk();

test('zk: the connect string is resolved when connecting, not on every request (patched binding)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zks-resolve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true })); // the traced process has exited by then
  const script = join(dir, 'client.mts');
  writeFileSync(
    script,
    `import { Zk } from ${JSON.stringify(resolve(import.meta.dirname, '../../../src/zk/client.ts'))};
const zk = await Zk.connect({ connect: process.argv[2] });
for (let i = 0; i < 40; i++) await zk.sync('/');
zk.close();
`
  );
  const out = join(dir, 'trace');
  const r = spawnSync(
    'strace',
    ['-f', '-qq', '-e', 'trace=socket', '-o', out, process.execPath, '--import', 'tsx', script, fx.connectString()],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000, encoding: 'utf8' }
  );
  assert.equal(r.status, 0, `strace or the client failed: ${r.error?.message ?? r.stderr}`);
  const netlink = readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l.includes('AF_NETLINK')).length;
  assert.ok(netlink <= 4, `${netlink} resolutions for 40 requests: the binding is not patched (run scripts/setup.sh)`);
});
