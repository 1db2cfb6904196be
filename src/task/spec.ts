// What the leash runs for the configured task: argv, cwd, stop policy, identity and the child's whole environment.
import type { Config } from '../config/schema.js';
import { resolveIdentity, type Identity } from './identity.js';
import type { TaskSpec } from './task.js';

/** PATH of a job that inherits nothing (`task.inheritEnv: false`) and sets none. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** `${NAME}` / `${NAME:-…}` in a string command: the shell expands these from the job's environment. */
const SHELL_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)/g;
/** What systemd hands the supervisor for itself: a job must not notify, feed the watchdog or take its sockets. */
const SUPERVISOR_ONLY = new Set([
  ...['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'],
  ...['INVOCATION_ID', 'ZKS_DIGEST_HANDOFF'],
]);

/**
 * The child's environment, built in one place (DESIGN §6):
 * 1. the supervisor's variables `task.inheritEnv` allows (all, none, or a list), and those a string command
 *    names as `${VAR}` — never the ZooKeeper credential (`zookeeper.auth.digestEnv`) nor what systemd gives
 *    the supervisor alone (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*, INVOCATION_ID): not even when listed;
 * 2. USER, LOGNAME and HOME of `task.user`; PATH when nothing set one;
 * 3. `task.env`; then `ZK_SUPERVISOR_ID` and `ZK_SUPERVISOR_PATH`.
 * The leash adds, per run, `ZK_SUPERVISOR_TERM`, `ZK_SUPERVISOR_TOKEN`, (scheduled mode) `ZK_SUPERVISOR_TICK` and
 * (slots) `ZK_SUPERVISOR_SLOT`.
 */
export function childEnv(
  config: Config,
  base: NodeJS.ProcessEnv = process.env,
  identity?: Identity
): Record<string, string> {
  const { inheritEnv, command } = config.task;
  const secret = config.zookeeper.auth?.digestEnv;
  const named = typeof command === 'string' ? [...command.matchAll(SHELL_REF)].map((m) => m[1]!) : [];
  const wanted = (k: string) => inheritEnv === true || (Array.isArray(inheritEnv) && inheritEnv.includes(k));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || k === secret || SUPERVISOR_ONLY.has(k)) continue;
    if (wanted(k) || named.includes(k)) env[k] = v;
  }
  if (identity) Object.assign(env, { USER: identity.name, LOGNAME: identity.name, HOME: identity.home });
  env.PATH ??= DEFAULT_PATH;
  Object.assign(env, config.task.env);
  env.ZK_SUPERVISOR_ID = config.election.id;
  env.ZK_SUPERVISOR_PATH = config.election.path;
  return env;
}

// Identities resolved ahead for a config (a reload, without blocking): taskSpec takes them instead of looking again.
const resolved = new WeakMap<Config, Identity | undefined>();

/** Records the job's identity, resolved for `config` already (see {@link resolveIdentityAsync}). */
export function presetIdentity(config: Config, identity: Identity | undefined): void {
  resolved.set(config, identity);
}

/** The TaskSpec of `config.task`; a string command runs under `/bin/sh -c`. Throws when task.user is unknown. */
export function taskSpec(config: Config, onLine: NonNullable<TaskSpec['onLine']>): TaskSpec {
  const t = config.task;
  const identity = resolved.has(config) ? resolved.get(config) : resolveIdentity(t.user, t.group);
  return {
    argv: typeof t.command === 'string' ? ['/bin/sh', '-c', t.command] : t.command,
    cwd: t.cwd,
    stopSignal: t.stopSignal,
    stopTimeoutMs: t.stopTimeout,
    output: t.output,
    env: childEnv(config, process.env, identity),
    uid: identity?.uid,
    gid: identity?.gid,
    onLine,
  };
}
