// `metrics.listen`: Prometheus metrics and health endpoints for one supervisor. Loaded (with prom-client) only when
// configured. /metrics, /healthz (the event loop answers), /readyz (joined the election), /status (status --json).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Job } from '../supervisor/job.js';
import { runMetrics } from './run-metrics.js';
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

/**
 * Starts the endpoints on `config.metrics.listen`; resolves once listening. Rejects when the port is taken. A
 * daemon's jobs each get their series with a `job` label; a single job's have none.
 */
export async function serveMetrics(supervisor: Supervisor, config: Config, log: Logger): Promise<Server> {
  const mod = await import('prom-client');
  // CommonJS: bundled, its exports come as the default export.
  const prom = mod.default ?? mod;
  const registry = new prom.Registry();
  const named = supervisor.jobs.some((j) => j.name !== undefined);
  const byJob = named ? ['job'] : [];
  const of = (job: Job): Record<string, string> => (named ? { job: job.name! } : {});
  const { m, lease } = defineMetrics(prom, registry, byJob, supervisor, of);
  const runs = runMetrics(prom, registry, byJob);
  const leading = new Set<Job>();
  for (const job of supervisor.jobs) {
    m.leader.set(of(job), 0); // every job has its series from the start
    m.term.set(of(job), 0);
    m.slot.set(of(job), -1);
    m.slots.set(of(job), job.config.election.slots);
  }
  const reasons = new Map<Job, Set<string>>(); // the transitions' reasons each job counted
  const onState = (state: State, _reason: string, e: SupervisorEvent, job: Job) => {
    const lead = LEADING.includes(state);
    const l = of(job);
    const counted = (reason: string) => {
      m.transitions.inc({ ...l, reason });
      reasons.set(job, (reasons.get(job) ?? new Set()).add(reason));
    };
    if (state === 'starting') counted('won');
    else if (leading.has(job) && !lead) counted(endKind(e));
    if (lead) leading.add(job);
    else leading.delete(job);
    m.leader.set(l, lead ? 1 : 0);
    m.term.set(l, job.term);
    m.child.set(l, state === 'running' || state === 'fenced' ? 1 : 0);
    m.baton.set(l, state === 'waiting-for-baton' ? 1 : 0);
    m.slots.set(l, job.config.election.slots); // a reload may change it
    if (e.type === 'won' && e.slot !== undefined) m.slot.set(l, e.slot);
    else if (!lead) m.slot.set(l, -1);
    if (e.type === 'child-started' && e.restart) m.restarts.inc(l);
  };
  supervisor.on('state', onState);
  // A removed job's series go with it (the transitions by every reason it counted).
  supervisor.on('removed', (job) => {
    if (!named) return;
    for (const g of [m.leader, m.term, m.child, m.slot, m.slots, m.baton, m.restarts, lease]) g.remove(of(job));
    runs.remove(of(job));
    for (const reason of reasons.get(job) ?? []) m.transitions.remove({ ...of(job), reason });
    reasons.delete(job);
    leading.delete(job);
  });
  supervisor.on('run', (run, job) => runs.count(of(job), run));
  supervisor.on('suspension', (on, job) => runs.suspended(of(job), on));
  supervisor.on('heartbeat', (ms) => m.rtt.observe(ms / 1000));
  supervisor.on('zookeeper', (s) => {
    for (const z of ZK_STATES) m.zookeeper.set({ state: z }, z === s ? 1 : 0);
  });
  const server = createServer(routes(supervisor, registry, config));
  const { host, port } = splitListen(config.metrics!.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(port, host, () => resolve());
  });
  server.unref();
  log.info('metrics and health endpoints', { listen: config.metrics!.listen });
  return server;
}

// The endpoints: /metrics from `registry`, /healthz, /readyz (every job joined), /status (every job's).
function routes(
  supervisor: Supervisor,
  registry: { metrics(): Promise<string>; contentType: string },
  config: Config
): (req: IncomingMessage, res: ServerResponse) => void {
  const named = supervisor.jobs.some((j) => j.name !== undefined);
  return (req, res) => {
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
      const states = supervisor.jobs.map((j) => j.state);
      const ready = supervisor.current?.zk.state === 'connected' && states.every((s) => JOINED.includes(s));
      const said = named ? supervisor.jobs.map((j) => `${j.name}=${j.state}`).join(' ') : states[0];
      reply(ready ? 200 : 503, `${ready ? 'ready' : 'not ready'}: ${said}\n`);
    } else if (path === '/status') {
      const zk = supervisor.current?.zk;
      if (!zk || zk.state !== 'connected') return reply(503, 'no ZooKeeper session\n');
      const read = async (): Promise<unknown> => {
        const { statusOf } = await import('./status.js');
        if (!named) return statusOf(zk, config);
        return {
          jobs: await Promise.all(
            supervisor.jobs.map(async (j) => ({ job: j.name, ...(await statusOf(zk, j.config)) }))
          ),
        };
      };
      read().then(
        (s) => reply(200, `${JSON.stringify(s, null, 2)}\n`, 'application/json'),
        (e) => reply(503, `${e}\n`)
      );
    } else reply(404, 'not found: try /metrics, /healthz, /readyz or /status\n');
  };
}

/** `host:port` (IPv6 host in brackets) → its parts. */
export function splitListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(colon + 1)) };
}

// Every series of the endpoint, registered on `registry`; `of(job)` is a job's labels.
function defineMetrics(
  prom: typeof import('prom-client'),
  registry: import('prom-client').Registry,
  byJob: string[],
  supervisor: Supervisor,
  of: (job: Job) => Record<string, string>
) {
  const gauge = (name: string, help: string) =>
    new prom.Gauge({ name, help, labelNames: byJob, registers: [registry] });
  const m = {
    leader: gauge('zk_supervisor_leader', '1 while this host leads'),
    term: gauge('zk_supervisor_term', 'the current or last term'),
    child: gauge('zk_supervisor_child_running', '1 while the child runs'),
    slot: gauge('zk_supervisor_slot', 'the slot this host holds (election.slots > 1), -1 while none'),
    slots: gauge('zk_supervisor_slots', 'election.slots: how many hosts run the job at once (1 without slots)'),
    restarts: new prom.Counter({
      name: 'zk_supervisor_child_restarts_total',
      help: 'child restarts under one leadership (onExit: restart)',
      labelNames: byJob,
      registers: [registry],
    }),
    transitions: new prom.Counter({
      name: 'zk_supervisor_leadership_transitions_total',
      help: 'terms won (reason="won") and ended (by kind)',
      labelNames: [...byJob, 'reason'],
      registers: [registry],
    }),
    zookeeper: new prom.Gauge({
      name: 'zk_supervisor_zookeeper_state',
      help: '1 for the state of the ZooKeeper session',
      labelNames: ['state'],
      registers: [registry],
    }),
    baton: gauge('zk_supervisor_waiting_for_baton', "1 while a new leader waits for the previous term's child to stop"),
    rtt: new prom.Histogram({
      name: 'zk_supervisor_heartbeat_rtt_seconds',
      help: 'round trip of the lease heartbeat (sync through the ZooKeeper leader)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
  const lease = new prom.Gauge({
    name: 'zk_supervisor_lease_remaining_seconds',
    help: 'time left before the child must be stopped, if no heartbeat is answered again',
    labelNames: byJob,
    registers: [registry],
    collect() {
      const lease = supervisor.current?.lease;
      for (const job of supervisor.jobs)
        this.set(of(job), leaseSeconds(lease?.remainingMs(job.config.task.stopTimeout)));
    },
  });
  return { m, lease };
}
