// `status` for people: the Status of status.ts as text.
import type { Config } from '../config/schema.js';
import type { RunRecord } from '../schedule/runs.js';
import type { Status } from './status.js';

/** The report `status` prints without --json. */
export function statusText(s: Status, config: Config): string {
  const out = [`election ${config.election.path} on ${config.zookeeper.connect}`];
  if (config.zookeeper.acl === 'open') {
    out.push('warning: election is writable by any ZooKeeper client; set zookeeper.acl: secured');
  }
  if (!s.session.leaseCoversStopTimeout) {
    out.push(
      `warning: the servers grant a session timeout of ${s.session.grantedTimeoutMs} ms (requested ` +
        `${s.session.requestedTimeoutMs} ms), too short to cover task.stopTimeout ${config.task.stopTimeout} ms: ` +
        'supervisors with this config do not campaign (raise maxSessionTimeout on the servers or lower ' +
        'task.stopTimeout)'
    );
  }
  if (s.suspended) {
    const { by = '?', at = '?' } = s.suspended;
    out.push(`suspended by ${by} at ${at}: the leader keeps its term and starts nothing (zk-supervisor resume)`);
  }
  const ranked = config.election.preempt !== undefined || [s.leader, ...s.candidates].some((c) => c?.priority);
  if (!s.slots) out.push(...electionLines(s.leader, s.candidates, ranked));
  else for (const x of s.slots) out.push(`slot ${x.slot}:`, ...electionLines(x.leader, x.candidates, ranked, '  '));
  if (s.drained.length) {
    const about = (d: unknown) => (typeof d === 'object' && d ? ` (${Object.values(d).join(', ')})` : '');
    out.push(`drained (${s.drained.length}):`, ...s.drained.map((d) => `  ${d.name}${about(d.data)}`));
  }
  out.push(
    `pid nodes (${s.pidNodes.length}):`,
    ...s.pidNodes.map((p) => `  ${p.node} ${typeof p.data === 'string' ? p.data : JSON.stringify(p.data)}`)
  );
  if (s.schedule) {
    const zone = s.schedule.timezone ? ` (${s.schedule.timezone})` : '';
    out.push(`schedule: ${s.schedule.expression}${zone}, next tick ${s.schedule.nextTick ?? 'never'}`);
    out.push(`last runs (${s.schedule.runs.length}):`, ...s.schedule.runs.map((r) => `  ${describeRun(r)}`));
  }
  return `${out.map(visible).join('\n')}\n`;
}

// The leader line and the queue; priorities are shown once one is set (or preempt is): else every host is equal.
function electionLines(l: Status['leader'], queue: Status['candidates'], ranked: boolean, indent = ''): string[] {
  const priority = (c: { priority?: number } | null) => (ranked ? `priority ${c?.priority ?? 0}, ` : '');
  const about = l && `(${priority(l)}host ${l.host}, pid ${l.pid}, term ${l.term}, token ${l.token}, since ${l.since})`;
  const more = (c: Status['candidates'][number]) =>
    ranked ? ` (${priority(c).slice(0, -2)}${c.preemptsAt ? `, preempts at ${c.preemptsAt}` : ''})` : '';
  return [
    `leader: ${l ? `${l.id} ${about}` : 'none'}`,
    `candidates (${queue.length}):`,
    ...queue.map((c, i) => `  ${i + 1}. ${c.id ?? '?'} ${c.node}${more(c)}`),
  ].map((line) => indent + line);
}

// Node data is anyone's text: control characters (a terminal's escape sequences) are shown, never sent.
// biome-ignore lint/suspicious/noControlCharactersInRegex: they are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const visible = (line: string): string =>
  line.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** One line per run record, for `status`. */
export function describeRun(r: RunRecord): string {
  const by = r.id ? ` on ${r.id}${r.token ? ` (token ${r.token})` : ''}` : '';
  const late = (r.lateMs ?? 0) >= 250 ? `, started ${r.lateMs} ms late` : '';
  const why = r.reason ? ` — ${r.reason}` : '';
  switch (r.state) {
    case 'finished':
    case 'timed-out': {
      const how = r.signal ? ` by ${r.signal}` : ` exit ${r.exitCode ?? '?'}`;
      const tries = r.attempts?.length ? ` (attempt ${r.attempts.length + 1})` : '';
      return `${r.tick} ${r.state}${how} in ${r.durationMs ?? '?'} ms${tries}${by}${late}${why}`;
    }
    case 'started':
      return `${r.tick} running since ${r.startedAt}${by}${late}`;
    case 'fenced':
      return `${r.tick} fenced${by}${why}`;
    default:
      return `${r.tick} ${r.state}${why}${r.id ? ` (recorded by ${r.id})` : ''}`;
  }
}
