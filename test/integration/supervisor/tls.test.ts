// TLS to a real ZooKeeper 3.8 (secureClientPort, PEM key and trust stores, client certificates required) through
// the in-process bridge: a supervisor leads over mutual TLS with digest auth on top; a wrong CA, a wrong host name,
// a missing client certificate and an expired server certificate each fail at once with the reason.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { Zk } from '../../../src/zk/client.js';
import { ZkConnectError } from '../../../src/zk/errors.js';
import type { ZkTlsOptions } from '../../../src/zk/tls.js';
import { TlsBridge } from '../../../src/zk/tls-bridge.js';
import { makePki } from '../../helpers/certs.js';
import { readRuns } from '../../helpers/overlap.js';
import { trackDir, untrackDir } from '../../helpers/reaper.js';
import { BIN, SupervisorProc, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';
import { startCluster } from '../../helpers/zk-server.js';

const pkiDir = mkdtempSync(join(tmpdir(), 'zks-pki-'));
trackDir(pkiDir);
const pki = makePki(pkiDir);
const { fx, work, procs } = useSupervisors({
  tls: { keyStore: pki.serverPem, trustStore: pki.ca, clientAuth: 'need' },
});
after(() => {
  rmSync(pkiDir, { recursive: true, force: true });
  untrackDir(pkiDir);
});

const execFileAsync = promisify(execFile);
const SECRET = 'ops:tls-digest-pw';
const mtls: ZkTlsOptions = {
  ca: readFileSync(pki.ca, 'utf8'),
  cert: readFileSync(pki.clientCert, 'utf8'),
  key: readFileSync(pki.clientKey, 'utf8'),
};
/** The secure connect string of the fixture's cluster, with a fresh chroot. */
const secureRoot = async () => {
  const root = await fx.chroot();
  return `${fx.cluster()!.secureConnectString}${root.slice(root.indexOf('/'))}`;
};
const refused = async (opts: Partial<ZkTlsOptions>, connect: string, reason: RegExp) => {
  const t0 = performance.now();
  await assert.rejects(
    Zk.connect({ connect, tls: { ...mtls, ...opts }, connectTimeoutMs: 10_000 }),
    (e: unknown) => e instanceof ZkConnectError && e.code === 'TLS_FAILED' && reason.test(e.message),
    `fails with ${reason}`
  );
  assert.ok(performance.now() - t0 < 5000, 'at once, not after the connect timeout');
};

test('tls: a supervisor leads over mutual TLS with digest auth on top; status works too', async () => {
  const connect = await secureRoot();
  const config = writeConfig(work.dir, {
    connect,
    path: '/tls/job',
    childLog: join(work.dir, 'tls.log'),
    extraZk: [
      '  auth:',
      '    digestEnv: ZKS_TEST_DIGEST',
      '  acl: secured',
      '  tls:',
      `    ca: ${pki.ca}`,
      `    cert: ${pki.clientCert}`,
      `    key: ${pki.clientKey}`,
    ].join('\n'),
  });
  process.env.ZKS_TEST_DIGEST = SECRET;
  const env = { ...process.env };
  const a = new SupervisorProc('tls-a', config);
  procs.push(a);
  await a.waitLog(/to=running/, 15_000);
  const b = new SupervisorProc('tls-b', config);
  delete process.env.ZKS_TEST_DIGEST;
  procs.push(b);
  await b.waitLog(/candidate position/, 15_000);
  const status = spawnSync(process.execPath, [BIN, 'status', '--config', config, '--json'], { encoding: 'utf8', env });
  assert.equal(status.status, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).leader.id, 'tls-a');
  a.signal('SIGTERM');
  await b.waitLog(/to=running/, 10_000);
  // A client without the digest cannot write, TLS or not.
  const stranger = await Zk.connect({ connect, tls: mtls });
  await assert.rejects(stranger.set('/tls/job/leader', 'x'), /NOAUTH/);
  stranger.close();
});

test('tls: a wrong CA, a wrong host name and a missing client certificate fail at once, with the reason', async () => {
  const connect = await secureRoot();
  await refused({ ca: readFileSync(pki.otherCa, 'utf8') }, connect, /certificate: .*(self.signed|issuer|verify)/i);
  await refused({ servername: 'zk.wrong.example' }, connect, /hostname: .*zk\.wrong\.example/);
  await refused(
    { cert: undefined, key: undefined },
    connect,
    /refused by the server \(TLS alert: (bad certificate|certificate required)\)/
  );
  // The plain port still works: the bridge is only in front of the TLS one.
  (await Zk.connect({ connect: fx.connectString() })).close();
});

test('tls: an expired server certificate fails at once, and `status` says why in one line (exit 1)', async () => {
  const expired = await startCluster(1, { tls: { keyStore: pki.expiredServerPem, trustStore: pki.ca } });
  try {
    await refused({}, expired.secureConnectString, /certificate: .*expired/i);
    const config = writeConfig(work.dir, {
      connect: expired.secureConnectString,
      path: '/tls/expired',
      childLog: join(work.dir, 'x.log'),
      extraZk: `  tls:\n    ca: ${pki.ca}`,
    });
    const status = spawnSync(process.execPath, [BIN, 'status', '--config', config], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    assert.equal(status.status, 1, status.stderr);
    assert.match(
      status.stderr.trim(),
      /^zk-supervisor: zookeeper 127\.0\.0\.1:\d+: TLS connection failed: certificate: .*expired/i
    );
    assert.equal(status.stderr.trim().split('\n').length, 1);
  } finally {
    await expired.stop();
  }
});

test('tls: validate names the file when a TLS file is missing, not PEM, or the key does not match', () => {
  const check = (tls: string) => {
    const config = writeConfig(work.dir, {
      connect: '127.0.0.1:1',
      path: '/v',
      childLog: join(work.dir, 'v.log'),
      extraZk: `  tls:\n${tls}`,
    });
    return spawnSync(process.execPath, [BIN, 'validate', '--config', config], { encoding: 'utf8' });
  };
  const missing = check('    ca: /nonexistent/ca.pem');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /zookeeper\.tls\.ca: \/nonexistent\/ca\.pem: cannot read \(ENOENT\)/);
  const notPem = check(`    ca: ${pki.clientKey}`);
  assert.match(notPem.stderr, /zookeeper\.tls\.ca: .*client\.key: not a PEM certificate/);
  const mismatch = check(`    cert: ${pki.clientCert}\n    key: ${join(pki.dir, 'server.key')}`);
  assert.match(mismatch.stderr, /zookeeper\.tls\.key: .*server\.key: does not match the certificate .*client\.crt/);
  assert.ok(!mismatch.stderr.includes('PRIVATE KEY'), 'no key material in the message');
});

test('tls: the bridge carries only connections of this process; another process is cut off at once', async () => {
  const bridge = await TlsBridge.start(fx.cluster()!.secureConnectString, mtls);
  try {
    const port = Number(bridge.connectString.split(':')[1]);
    // From another process: closed before a single byte reaches the server.
    // (asynchronously: the bridge lives in this event loop)
    const other = await execFileAsync(
      process.execPath,
      [
        '-e',
        `const s = require('net').connect(${port}, '127.0.0.1', () => s.write('ruok'));
         const t = setTimeout(() => { console.log('open'); process.exit(0); }, 2000);
         s.on('error', () => {});
         s.on('close', () => { clearTimeout(t); console.log('closed'); });`,
      ],
      { encoding: 'utf8', timeout: 10_000 }
    );
    assert.equal(other.stdout.trim(), 'closed');
    // From this process: carried to the server, which answers a four-letter word over TLS.
    const answer = await new Promise<string>((resolve) => {
      let out = '';
      const s = createConnection(port, '127.0.0.1', () => s.write('ruok'));
      s.on('data', (d) => {
        out += d;
      });
      s.on('close', () => resolve(out));
    });
    assert.equal(answer, 'imok');
  } finally {
    bridge.close();
  }
});

test('tls: a supervisor runs its job on a TLS-only ZooKeeper (no plaintext port), certificates verified', async () => {
  const only = await startCluster(1, { tls: { keyStore: pki.serverPem, trustStore: pki.ca, only: true } });
  try {
    const admin = await Zk.connect({ connect: only.secureConnectString, tls: { ca: mtls.ca } });
    await admin.create('/only');
    admin.close();
    const childLog = join(work.dir, 'only.log');
    const config = writeConfig(work.dir, {
      connect: `${only.secureConnectString}/only`,
      path: '/job',
      childLog,
      extraZk: `  tls:\n    ca: ${pki.ca}\n    rejectUnauthorized: true`,
    });
    const sup = new SupervisorProc('tls-only', config);
    procs.push(sup);
    await sup.waitLog(/to=running/, 15_000);
    await waitFor(() => readRuns(childLog).length === 1, { timeoutMs: 5000, what: 'the child running' });
    const plain = await Zk.connect({ connect: only.servers[0]!.address, connectTimeoutMs: 1500 }).catch((e) => e);
    assert.ok(plain instanceof ZkConnectError, 'no plaintext port to talk to');
    sup.signal('SIGTERM');
    assert.equal(await sup.exited, 0);
  } finally {
    await only.stop();
  }
});
