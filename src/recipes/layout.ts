// The nodes of one election, in one place: every recipe, the supervisor, `status` and `drain` read paths from here.
import { join } from '../zk/paths.js';

/** The nodes under an election path. */
export interface ElectionLayout {
  /** The election path itself. */
  root: string;
  /** The queue: one ephemeral-sequential node per candidate. */
  candidates: string;
  /** The current term (JSON of its leader: id, host, term, fencing token). */
  leader: string;
  /** The batons: one ephemeral node per session, held while a term's child may be alive (DESIGN §3.2). */
  batons: string;
  /** The single baton node of releases before 0.2 (waited for during a rolling upgrade). */
  active: string;
  /** A request to the leader to step down. */
  resign: string;
  /** Scheduled mode's run history, one node per tick. */
  runs: string;
  /** Lock mode's last period (`once --once-per`). */
  lastRun: string;
  /** Drain markers, one per drained host. */
  drained: string;
  /** The default home of the pid nodes. */
  pids: string;
  /** While it exists, the job is suspended: its leader keeps the term and starts nothing (`suspend`). */
  suspended: string;
  /** Requests for an out-of-schedule run (`trigger`), one persistent-sequential node each. */
  triggers: string;
}

/** The layout of the election at `path`. */
export function layoutOf(path: string): ElectionLayout {
  return {
    root: path,
    candidates: join(path, 'candidates'),
    leader: join(path, 'leader'),
    batons: join(path, 'batons'),
    active: join(path, 'active'),
    resign: join(path, 'resign'),
    runs: join(path, 'runs'),
    lastRun: join(path, 'last-run'),
    drained: join(path, 'drained'),
    pids: join(path, 'pids'),
    suspended: join(path, 'suspended'),
    triggers: join(path, 'triggers'),
  };
}
