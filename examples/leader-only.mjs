// Runs a function only while this process leads the election at /demo/job (the library's elector, on the Term
// recipe: a new leader starts only once the previous one's function has returned or its session is gone).
// ZK=host:port[/chroot] node examples/leader-only.mjs — start it twice, stop the leader, watch the other take over.
import { hostname } from 'node:os';
import { Election, Zk, lead } from 'zk-supervisor';

const zk = await Zk.connect({ connect: process.env.ZK ?? '127.0.0.1:2181', sessionTimeoutMs: 4000 });
const me = { id: `${hostname()}-${process.pid}`, host: hostname(), pid: process.pid, description: 'demo' };
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => stop.abort(new Error(sig)));
try {
  await lead(
    new Election(zk, '/demo/job', { info: me }),
    { signal: stop.signal, stopTimeoutMs: 500, onError: (err) => console.error(`retrying: ${err.message}`) },
    async (term, signal) => {
      console.log(`leading: term ${term.term}, fencing token ${term.token}`);
      while (!signal.aborted) await new Promise((r) => setTimeout(r, 100)); // the work; stop when the signal aborts
      console.log(`no longer leading: ${signal.reason?.message ?? signal.reason}`);
    }
  );
} catch (err) {
  console.error(`stopped: ${err.message}`); // the session is gone (SESSION_ENDED): a supervisor restarts us
  process.exitCode = 1;
} finally {
  zk.close();
}
