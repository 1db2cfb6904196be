// `run` and `once` as processes: config, logger, supervisor, the two-stage signal handling, SIGHUP reloads, and the
// exit code each outcome gets.
import { constants as osConstants } from 'node:os';
import { parseDuration, type Config } from '../config/schema.js';
import { createLogger } from '../log.js';
import type { LoadedJobs } from '../config/jobs.js';
import type { LoadedConfig } from '../config/load.js';
import { EXIT, fail, load, loadAll, problemOf } from './common.js';
import { reloadConfig } from './reload.js';
import { execWithoutSecret } from './secret-env.js';
import { jobsLine, statusLine, SystemdNotifier } from './systemd.js';

/** The command line's `--id` and `--priority` over what the file says (every job of a daemon). */
export function overrideElection(config: Config, overrides: Overrides): void {
  if (overrides.id) config.election.id = overrides.id;
  if (overrides.priority !== undefined) config.election.priority = overrides.priority;
}

/** Said at start-up and by `status` while the election is in open mode (DESIGN §6). */
export const OPEN_WARNING = 'election is writable by any ZooKeeper client; set zookeeper.acl: secured';

export type Overrides = { id?: string; priority?: number; logLevel?: string };

// Shared by `run` and `once`: config, logger, supervisor, and the two-stage signal handling (the first
// SIGTERM/SIGINT aborts `signal`, a second one SIGKILLs the children's groups).
async function startSupervisor(loaded: LoadedJobs, overrides: Overrides, command: 'run' | 'once') {
  const { file, digest, warnings, jobs } = loaded;
  const config = jobs[0]!.config; // its zookeeper, logging and metrics are every job's
  const secretVar = config.zookeeper.auth?.digestEnv;
  if (secretVar && digest) execWithoutSecret(secretVar, { ...process.env, [secretVar]: digest }); // jobs read /proc
  for (const job of jobs) overrideElection(job.config, overrides);
  const log = createLogger({
    level: overrides.logLevel ?? config.logging.level,
    format: config.logging.format,
    fields: loaded.daemon ? {} : { id: config.election.id },
  });
  // Every `once` is a cron tick: at `warn` a crontab would mail it each time (run, status and validate warn).
  if (config.zookeeper.acl === 'open') {
    const paths = jobs.map((j) => j.config.election.path);
    log[command === 'once' ? 'info' : 'warn'](OPEN_WARNING, paths.length > 1 ? { paths } : { path: paths[0] });
  }
  for (const w of warnings) log.warn('config', { warning: w });
  const { Supervisor } = await import('../supervisor/supervisor.js');
  const supervisor = new Supervisor(
    jobs.map((j) => ({ name: j.name, config: j.config })),
    log,
    digest,
    { spread: loaded.spread }
  );
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log.info('shutdown requested', { signal: sig });
      ac.abort(new Error(sig));
    } else {
      log.warn('second signal: killing the child now', { signal: sig });
      supervisor.forceStop();
    }
  };
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  if (config.metrics) {
    const { serveMetrics } = await import('./metrics.js');
    await serveMetrics(supervisor, config, log).catch((err: Error) =>
      fail(EXIT.FAILURE, `metrics.listen ${config.metrics?.listen}: ${err.message}`)
    );
  }
  const systemd = SystemdNotifier.fromEnv(log);
  if (systemd) {
    supervisor.on('state', (state) => {
      const states = supervisor.jobs.map((j) => j.state);
      systemd.state(states, loaded.daemon ? jobsLine(states) : statusLine(state, supervisor.term));
    });
    systemd.startWatchdog();
  }
  process.on('SIGHUP', () => void reloadConfig(file, config, digest, overrides, supervisor, log));
  /** Flushes the log, then exits with `code`. */
  const exit = async (code: number): Promise<never> => {
    await log.flush();
    process.exit(code);
  };
  return { config, digest, log, supervisor, signal: ac.signal, exit };
}

/** `run`: supervises until SIGTERM/SIGINT; exits 0, or 1 when the supervisor failed. */
export async function run(file: string, overrides: Overrides): Promise<void> {
  const { log, supervisor, signal, exit } = await startSupervisor(loadAll(file), overrides, 'run');
  try {
    await supervisor.run(signal);
  } catch (err) {
    log.error('supervisor failed', { error: String(err) });
    return exit(EXIT.FAILURE);
  }
  return exit(EXIT.OK);
}

// `once`: run the command if we win the lock, exit with its code; 75 when another host holds it.
async function once(
  file: string,
  job: string | undefined,
  waitMs: number,
  oncePerMs: number | undefined,
  overrides: Overrides
): Promise<void> {
  return onceOf(file, load(file, job), waitMs, oncePerMs, overrides);
}

/** `once` of a loaded job (`exec` builds one from its flags). */
export async function onceOf(
  file: string,
  one: LoadedConfig & { name: string | undefined },
  waitMs: number,
  oncePerMs: number | undefined,
  overrides: Overrides
): Promise<void> {
  if (one.config.election.slots > 1)
    fail(EXIT.CONFIG, `${one.file}: election.slots: once runs the command on one host; slots apply to run only`);
  const loaded = { file, daemon: false, spread: false, jobs: [one], digest: one.digest, warnings: one.warnings };
  const { config, digest, log, supervisor, signal, exit } = await startSupervisor(loaded, overrides, 'once');
  let code: number = EXIT.FAILURE;
  try {
    const r = await supervisor.runOnce(signal, waitMs, oncePerMs);
    if (r.kind === 'suspended') {
      log.info('the job is suspended, not running (zk-supervisor resume)', { path: config.election.path });
      code = EXIT.HELD_ELSEWHERE;
    } else if (r.kind === 'held') {
      log.info('held elsewhere, not running', { path: config.election.path });
      code = EXIT.HELD_ELSEWHERE;
    } else if (r.kind === 'already-ran') {
      log.info('already ran in this period, not running', { path: config.election.path, by: r.by, at: r.at });
      code = EXIT.HELD_ELSEWHERE;
    } else if (r.kind === 'exited')
      code =
        r.exit.exitCode ??
        128 + (r.exit.signal ? ((osConstants.signals as Record<string, number>)[r.exit.signal] ?? 0) : 0);
    else if (r.kind === 'lost') {
      log.error('leadership lost while running', { reason: r.end.message, end: r.end.kind });
      code = EXIT.LOST;
    } else {
      log.error('task cannot start', { error: r.error.message });
      code = EXIT.FAILURE;
    }
  } catch (err) {
    log.error('once failed', { error: problemOf(err, digest) });
  }
  return exit(code);
}

/** `once` after its arguments were parsed: checks the two durations (exit 2 naming the flag), then runs. */
export function onceCommand(a: {
  config: string;
  job?: string;
  wait?: string;
  oncePer?: string;
  id?: string;
  logLevel?: string;
}): Promise<void> {
  const [waitMs, oncePerMs] = durationsOf(a);
  return once(a.config, a.job, waitMs, oncePerMs, { id: a.id, logLevel: a.logLevel });
}

/** `once` of a job loaded otherwise (`exec`): the same duration checks, then the run. */
export function onceCommandOf(
  file: string,
  one: LoadedConfig & { name: string | undefined },
  a: { wait?: string; oncePer?: string; logLevel?: string }
): Promise<void> {
  const [waitMs, oncePerMs] = durationsOf(a);
  return onceOf(file, one, waitMs, oncePerMs, { logLevel: a.logLevel });
}

// --wait (default 0s) and --once-per, checked: exit 2 naming the flag.
function durationsOf(a: { wait?: string; oncePer?: string }): [number, number | undefined] {
  const wait = a.wait ?? '0s';
  const waitMs = parseDuration(wait);
  if (waitMs === undefined)
    fail(EXIT.CONFIG, `--wait: must be a duration like "500ms", "10s" or "2m" (got ${JSON.stringify(wait)})`);
  const oncePerMs = a.oncePer === undefined ? undefined : parseDuration(a.oncePer);
  if (a.oncePer !== undefined && !oncePerMs)
    fail(EXIT.CONFIG, `--once-per: must be a positive duration like "1m" or "1h" (got ${JSON.stringify(a.oncePer)})`);
  return [waitMs!, oncePerMs];
}
