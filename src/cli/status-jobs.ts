// `status` of a daemon's file: every job on one session — its leader, its term, and where this host stands.
import { hostname } from 'node:os';
import type { LoadedJob } from '../config/jobs.js';
import { readStatuses, type Status } from './status.js';

/** One job's status, and this host's place in it. */
export interface JobStatus extends Status {
  job: string;
  /** `leader` (with slots: `leader (slot i)`), `candidate k of n`, `drained` or `not a candidate`. */
  thisHost: string;
}

/** Where this host (its configured id, else any `hostname:pid` id; the leader also by its host) stands in `s`. */
export function thisHostIn(s: Status, job: Pick<LoadedJob, 'config' | 'defaultId'>, host = hostname()): string {
  const mine = (id: string | undefined) =>
    job.defaultId ? id?.startsWith(`${host}:`) === true : id === job.config.election.id;
  const leads = (l: Status['leader']) => l !== null && (mine(l.id) || l.host === host);
  const slot = s.slots?.find((x) => leads(x.leader));
  if (slot) return `leader (slot ${slot.slot})`;
  if (!s.slots && leads(s.leader)) return 'leader';
  const at = s.candidates.findIndex((c) => mine(c.id));
  if (at >= 0) return `candidate ${at + 1} of ${s.candidates.length}`;
  if (s.drained.some((d) => d.name === host || d.name === job.config.election.id)) return 'drained';
  return 'not a candidate';
}

/** Every job's status, read on one session. Rejects as readStatus does. */
export async function jobStatuses(jobs: readonly LoadedJob[], digest: string | undefined): Promise<JobStatus[]> {
  const all = await readStatuses(
    jobs.map((j) => j.config),
    digest
  );
  return all.map((s, i) => ({ job: jobs[i]!.name!, ...s, thisHost: thisHostIn(s, jobs[i]!) }));
}

/** The table `status` prints for a daemon's file without --job. */
export function jobsText(statuses: readonly JobStatus[], connect: string): string {
  const rows = statuses.map((s) => {
    const l = s.leader;
    const held = s.slots?.filter((x) => x.leader).length;
    const leader = s.slots ? `${held} of ${s.slots.length} slots held` : l ? `${l.id} (host ${l.host})` : 'none';
    return [s.job, leader, l && !s.slots ? String(l.term) : '-', String(s.candidates.length), s.thisHost];
  });
  const head = ['JOB', 'LEADER', 'TERM', 'CANDIDATES', 'THIS HOST'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => v.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  const leading = statuses.filter((s) => s.thisHost.startsWith('leader')).length;
  const title = `${statuses.length} jobs on ${connect}; this host leads ${leading}`;
  return `${[title, line(head), ...rows.map(line)].join('\n')}\n`;
}
