// Type=notify against a fake NOTIFY_SOCKET (a datagram socket served by python3, as systemd would): READY=1 once
// joined, STATUS= per state, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 on shutdown — every message sent by
// the supervisor's own process, which is what NotifyAccess=main accepts (the listener reads the sender's pid from
// its credentials, as systemd does).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { track } from '../../helpers/reaper.js';
import { SupervisorProc, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();

const LISTENER = `
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print('ready', flush=True)
with open(sys.argv[2], 'a') as out:
    while True:
        msg, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(12))
        pid = next(struct.unpack('iII', d)[0] for (l, t, d) in anc if t == socket.SCM_CREDENTIALS)
        out.write(str(pid) + ' ' + msg.decode().replace('\\n', '|') + '\\n')
        out.flush()
`;

test('systemd: READY once joined, STATUS per state, watchdog pings from the event loop, STOPPING on SIGTERM', async () => {
  const socketPath = join(work.dir, 'notify.sock');
  const received = join(work.dir, 'notify.log');
  const listener = spawn('python3', ['-c', LISTENER, socketPath, received], { stdio: ['ignore', 'pipe', 'inherit'] });
  track(listener);
  await new Promise((r) => listener.stdout.once('data', r));
  const lines = () => {
    try {
      return readFileSync(received, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const messages = () => lines().map((l) => l.slice(l.indexOf(' ') + 1));
  try {
    const config = writeConfig(work.dir, { connect: await fx.chroot(), path: '/notify/job', childLog: '/dev/null' });
    Object.assign(process.env, { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '1000000' });
    const sup = new SupervisorProc('sd-a', config);
    delete process.env.NOTIFY_SOCKET;
    delete process.env.WATCHDOG_USEC;
    procs.push(sup);
    await sup.waitLog(/to=running/, 10_000);
    await waitFor(() => messages().some((m) => /STATUS=leader, term \d+/.test(m)), {
      timeoutMs: 5000,
      what: 'a leader status',
    });
    const ready = messages().filter((m) => m.includes('READY=1'));
    assert.equal(ready.length, 1, messages().join('\n'));
    const pings = () => messages().filter((m) => m === 'WATCHDOG=1').length;
    const before = pings();
    await waitFor(() => pings() >= before + 2, { timeoutMs: 3000, what: 'two watchdog pings (every 500 ms)' });
    sup.signal('SIGTERM');
    assert.equal(await sup.exited, 0);
    await waitFor(() => messages().some((m) => m.startsWith('STOPPING=1')), { timeoutMs: 3000, what: 'STOPPING=1' });
    const senders = new Set(lines().map((l) => Number(l.split(' ')[0])));
    assert.deepEqual([...senders], [sup.pid], 'every message comes from the main process (NotifyAccess=main)');
  } finally {
    listener.kill('SIGKILL');
  }
});
