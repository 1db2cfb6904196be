// What the leash runs for the configured task: argv, cwd, stop policy and the child's whole environment.
import type { Config } from '../config/schema.js';
import type { TaskSpec } from './task.js';

/**
 * The child's environment, built in one place: the supervisor's own environment, then `task.env`, then
 * `ZK_SUPERVISOR_ID` and `ZK_SUPERVISOR_PATH`. The leash adds, per run, `ZK_SUPERVISOR_TERM`,
 * `ZK_SUPERVISOR_TOKEN` and (scheduled mode) `ZK_SUPERVISOR_TICK`.
 */
export function childEnv(config: Config, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  Object.assign(env, config.task.env);
  env.ZK_SUPERVISOR_ID = config.election.id;
  env.ZK_SUPERVISOR_PATH = config.election.path;
  return env;
}

/** The TaskSpec of `config.task`; a string command runs under `/bin/sh -c`. */
export function taskSpec(config: Config, onLine: NonNullable<TaskSpec['onLine']>): TaskSpec {
  const t = config.task;
  return {
    argv: typeof t.command === 'string' ? ['/bin/sh', '-c', t.command] : t.command,
    cwd: t.cwd,
    stopSignal: t.stopSignal,
    stopTimeoutMs: t.stopTimeout,
    output: t.output,
    env: childEnv(config),
    onLine,
  };
}
