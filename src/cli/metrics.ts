// `metrics.listen`: Prometheus metrics and health endpoints for one supervisor. Loaded (with prom-client) only when
// configured. /metrics, /healthz (the event loop answers), /readyz (joined the election), /status (status --json).
import { createServer, type Server } from 'node:http';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { LEADING, type State } from '../supervisor/states.js';
import type { SupervisorEvent } from '../supervisor/transitions.js';

const JOINED: readonly State[] = [...LEADING, 'candidate', 'stopping'];
const ZK_STATES = ['connecting', 'connected', 'disconnected', 'expired', 'closed'] as const;

/** A bounded label for why leadership ended: the term's typed end, or what the child did. */
export function endKind(e: SupervisorEvent): string {
  if (e.type === 'term-ended') return e.shutdown ? 'shutdown' : e.end.kind;
  if (e.type === 'child-exited') return 'child-exited';
  if (e.type === 'child-fenced') return 'lease-expired';
  if (e.type === 'start-refused') return e.why === 'thin lease' ? 'lease-expired' : 'start-refused';
  return 'other';
}

/** The lease gauge's value: seconds left before the child must stop, never below 0 (0 without a lease). */
export const leaseSeconds = (leftMs: number | undefined): number =>
  leftMs !== undefined && Number.isFinite(leftMs) ? Math.max(0, leftMs) / 1000 : 0;

/** Starts the endpoints on `config.metrics.listen`; resolves once listening. Rejects when the port is taken. */
export async function serveMetrics(supervisor: Supervisor, config: Config, log: Logger): Promise<Server> {
  const mod = await import('prom-client');
  // CommonJS: bundled, its exports come as the default export.
  const prom = mod.default ?? mod;
  const registry = new prom.Registry();
  const m = {
    leader: new prom.Gauge({ name: 'zk_supervisor_leader', help: '1 while this host leads', registers: [registry] }),
    term: new prom.Gauge({ name: 'zk_supervisor_term', help: 'the current or last term', registers: [registry] }),
    child: new prom.Gauge({
      name: 'zk_supervisor_child_running',
      help: '1 while the child runs',
      registers: [registry],
    }),
    restarts: new prom.Counter({
      name: 'zk_supervisor_child_restarts_total',
      help: 'child restarts under one leadership (onExit: restart)',
      registers: [registry],
    }),
    transitions: new prom.Counter({
      name: 'zk_supervisor_leadership_transitions_total',
      help: 'terms won (reason="won") and ended (by kind)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    zookeeper: new prom.Gauge({
      name: 'zk_supervisor_zookeeper_state',
      help: '1 for the state of the ZooKeeper session',
      labelNames: ['state'],
      registers: [registry],
    }),
    baton: new prom.Gauge({
      name: 'zk_supervisor_waiting_for_baton',
      help: "1 while a new leader waits for the previous term's child to stop",
      registers: [registry],
    }),
    rtt: new prom.Histogram({
      name: 'zk_supervisor_heartbeat_rtt_seconds',
      help: 'round trip of the lease heartbeat (sync through the ZooKeeper leader)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
  new prom.Gauge({
    name: 'zk_supervisor_lease_remaining_seconds',
    help: 'time left before the child must be stopped, if no heartbeat is answered again',
    registers: [registry],
    collect() {
      this.set(leaseSeconds(supervisor.current?.lease?.remainingMs()));
    },
  });
  let leading = false;
  const onState = (state: State, _reason: string, e: SupervisorEvent) => {
    const lead = LEADING.includes(state);
    if (state === 'starting') m.transitions.inc({ reason: 'won' });
    else if (leading && !lead) m.transitions.inc({ reason: endKind(e) });
    leading = lead;
    m.leader.set(lead ? 1 : 0);
    m.term.set(supervisor.term);
    m.child.set(state === 'running' || state === 'fenced' ? 1 : 0);
    m.baton.set(state === 'waiting-for-baton' ? 1 : 0);
    if (e.type === 'child-started' && e.restart) m.restarts.inc();
  };
  supervisor.on('state', onState);
  supervisor.on('heartbeat', (ms) => m.rtt.observe(ms / 1000));
  supervisor.on('zookeeper', (s) => {
    for (const z of ZK_STATES) m.zookeeper.set({ state: z }, z === s ? 1 : 0);
  });
  const server = createServer((req, res) => {
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'content-type': type }).end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => reply(200, text, registry.contentType),
        (err) => reply(500, String(err))
      );
    } else if (path === '/healthz') reply(200, 'ok\n');
    else if (path === '/readyz') {
      const ready = supervisor.current?.zk.state === 'connected' && JOINED.includes(supervisor.state);
      reply(ready ? 200 : 503, `${ready ? 'ready' : 'not ready'}: ${supervisor.state}\n`);
    } else if (path === '/status') {
      const zk = supervisor.current?.zk;
      if (!zk || zk.state !== 'connected') return reply(503, 'no ZooKeeper session\n');
      import('./status.js')
        .then(({ statusOf }) => statusOf(zk, config))
        .then(
          (s) => reply(200, `${JSON.stringify(s, null, 2)}\n`, 'application/json'),
          (e) => reply(503, `${e}\n`)
        );
    } else reply(404, 'not found: try /metrics, /healthz, /readyz or /status\n');
  });
  const { host, port } = splitListen(config.metrics!.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(port, host, () => resolve());
  });
  server.unref();
  log.info('metrics and health endpoints', { listen: config.metrics!.listen });
  return server;
}

/** `host:port` (IPv6 host in brackets) → its parts. */
export function splitListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(colon + 1)) };
}
