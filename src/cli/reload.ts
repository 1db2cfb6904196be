// SIGHUP: the config file read again and handed to the supervisor — an invalid one leaves everything as it is.
// Nothing here blocks the event loop for long: the job's user and group are looked up asynchronously (a slow
// LDAP behind getent took 6 s once, long enough for the lease to lapse and another host to take over).
import { loadJobs } from '../config/jobs.js';
import { ConfigError } from '../config/yaml.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { RELOAD_CHECKS } from '../supervisor/checks.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { cannotSwitch, resolveIdentityAsync } from '../task/identity.js';
import { presetIdentity } from '../task/spec.js';

/** Re-reads `file` for `supervisor` (started with `config`, `digest` and the command line's overrides). */
export async function reloadConfig(
  file: string,
  config: Config,
  digest: string | undefined,
  overrides: { id?: string; priority?: number; logLevel?: string },
  supervisor: Supervisor,
  log: Logger
): Promise<void> {
  // The credential was read once at start.
  const secretVar = config.zookeeper.auth?.digestEnv;
  const env = secretVar && digest ? { ...process.env, [secretVar]: digest } : process.env;
  try {
    const loaded = loadJobs(file, env, RELOAD_CHECKS);
    for (const job of loaded.jobs) {
      const next = job.config;
      const running = supervisor.jobs.find((j) => j.name === job.name);
      if (overrides.priority !== undefined) next.election.priority = overrides.priority;
      if (overrides.id) next.election.id = overrides.id;
      else if (job.defaultId && running) next.election.id = running.config.election.id; // hostname:pid of this process
      if (overrides.logLevel) next.logging.level = overrides.logLevel as typeof next.logging.level;
      const identity = await resolveIdentityAsync(next.task.user, next.task.group);
      const why = identity && cannotSwitch(identity);
      if (why) throw new ConfigError([`${job.file}: task.${next.task.user === undefined ? 'group' : 'user'}: ${why}`]);
      presetIdentity(next, identity);
    }
    supervisor.reload(loaded.jobs.map((j) => ({ name: j.name, config: j.config })));
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : [err instanceof Error ? err.message : String(err)];
    log.error('config reload failed: keeping the running config', { file, problems });
  }
}
