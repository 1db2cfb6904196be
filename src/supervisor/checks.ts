// Checks of a loaded config that need more than its shape: the lease arithmetic, the cron parser, the job's user.
import type { ConfigCheck } from '../config/load.js';
import { leaseMarginMs, stopBudgetMs } from '../recipes/lease-timing.js';
import { compileSchedule } from '../schedule/cron.js';
import { cannotSwitch, resolveIdentity } from '../task/identity.js';
import { TlsFileError } from '../zk/tls.js';
import { validatePath } from '../zk/paths.js';
import { checkCommand, firstProgram, type TaskSpawnError } from '../task/task.js';
import { tlsOptions } from './connect.js';

/** The stop timeout fits the lease that the configured session timeout keeps (DESIGN §3.1). */
export const stopTimeoutFits: ConfigCheck = ({ zookeeper: { sessionTimeout: T, serverTickTime: tick }, task }) => {
  const budget = stopBudgetMs(T, tick);
  if (task.stopTimeout < budget) return undefined;
  if (budget <= 0) {
    return {
      path: ['zookeeper', 'sessionTimeout'],
      message:
        `${T} ms leaves no lease at all with zookeeper.serverTickTime ${tick} ms (a heartbeat counts only a server ` +
        `tick after its answer): raise it to at least ${minSessionTimeout(task.stopTimeout, tick)} ms for ` +
        `task.stopTimeout ${task.stopTimeout} ms, ` +
        "or set zookeeper.serverTickTime to the servers' tickTime if it is smaller.",
    };
  }
  return {
    path: ['task', 'stopTimeout'],
    message:
      `${task.stopTimeout} ms does not fit the lease of zookeeper.sessionTimeout ${T} ms ` +
      `(must be below ${budget} ms = sessionTimeout − margin ${leaseMarginMs(T)} ms − serverTickTime ${tick} ms ` +
      '− 150 ms of heartbeats): a partitioned leader could still be stopping its child when another host ' +
      'starts one. ' +
      `Raise zookeeper.sessionTimeout to at least ${minSessionTimeout(task.stopTimeout, tick)} ms, ` +
      "lower task.stopTimeout, or set zookeeper.serverTickTime to the servers' tickTime if it is smaller.",
  };
};

// The smallest T whose budget exceeds stopTimeout.
function minSessionTimeout(stopTimeout: number, tick: number): number {
  let T = stopTimeout + tick;
  while (stopBudgetMs(T, tick) <= stopTimeout) T += 100;
  return T;
}

/** task.schedule is a cron expression croner accepts (checked apart from the time zone: both are reported). */
export const scheduleCompiles: ConfigCheck = ({ task }) => {
  if (task.schedule === undefined) return undefined;
  try {
    compileSchedule(task.schedule);
  } catch (err) {
    return { path: ['task', 'schedule'], message: (err as Error).message, showValue: true };
  }
  return undefined;
};

/** task.timezone is a time zone croner knows. */
export const timezoneKnown: ConfigCheck = ({ task }) => {
  if (task.schedule === undefined || task.timezone === undefined) return undefined;
  try {
    compileSchedule('* * * * *', task.timezone);
  } catch (err) {
    return { path: ['task', 'timezone'], message: (err as Error).message, showValue: true };
  }
  return undefined;
};

/** task.user and task.group exist, and this process may switch to them. */
export const identityUsable: ConfigCheck = ({ task }) => {
  try {
    const id = resolveIdentity(task.user, task.group);
    const why = id && cannotSwitch(id);
    return why ? { path: ['task', task.user === undefined ? 'group' : 'user'], message: why } : undefined;
  } catch (err) {
    const [field, ...rest] = (err as Error).message.split(': ');
    return { path: ['task', field === 'task.group' ? 'group' : 'user'], message: rest.join(': ') };
  }
};

/** zookeeper.tls files are readable PEM, the key matches the certificate, which has not expired. */
export const tlsFilesUsable: ConfigCheck = (config) => {
  try {
    tlsOptions(config);
  } catch (err) {
    if (!(err instanceof TlsFileError)) throw err;
    return { path: err.field.split('.'), message: err.message.slice(err.field.length + 2) };
  }
  return undefined;
};

/** The connect string: host:port pairs ZooKeeper's client can dial (ports 1–65535), and a valid chroot. */
export const connectValid: ConfigCheck = ({ zookeeper: { connect } }) => {
  const slash = connect.indexOf('/');
  const chroot = slash < 0 ? '' : connect.slice(slash);
  for (const hp of (slash < 0 ? connect : connect.slice(0, slash)).split(',')) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d+)$/.exec(hp);
    const path = ['zookeeper', 'connect'];
    if (!m) return { path, message: `${JSON.stringify(hp)} is not host:port`, showValue: true };
    const port = Number(m[3]);
    if (!(port >= 1 && port <= 65535)) return { path, message: `port ${m[3]} is outside 1–65535`, showValue: true };
  }
  return chroot ? zkPathProblem(['zookeeper', 'connect'], chroot, 'the chroot') : undefined;
};

function zkPathProblem(path: readonly string[], value: string, what = 'the path') {
  try {
    validatePath(value);
  } catch (err) {
    return { path, message: `${what}: ${(err as Error).message}` };
  }
  if (value === '/zookeeper' || value.startsWith('/zookeeper/')) {
    return { path, message: `${what} ${value}: /zookeeper is ZooKeeper's own (reserved)` };
  }
  return undefined;
}

/** election.path and pidNode.path follow ZooKeeper's path rules. */
export const pathsValid: ConfigCheck = ({ election, pidNode }) =>
  zkPathProblem(['election', 'path'], election.path) ??
  (pidNode.path === undefined ? undefined : zkPathProblem(['pidNode', 'path'], pidNode.path));

/** task.command and task.cwd exist now (a warning only: they may be deployed later; the host retries). */
export const commandPresent: ConfigCheck = ({ task }) => {
  try {
    const { command } = task;
    checkCommand(typeof command === 'string' ? ['/bin/sh'] : command, task.cwd);
    const first = typeof command === 'string' ? firstProgram(command) : undefined;
    if (first) checkCommand([first], task.cwd); // a missing one would exit 127 at every start
  } catch (err) {
    const field = (err as TaskSpawnError).code === 'BAD_CWD' ? 'cwd' : 'command';
    return { path: ['task', field], message: `${(err as Error).message} (yet: the host will retry)`, warning: true };
  }
  return undefined;
};

/** election.slots > 1 runs that many copies at once: not with task.schedule, whose every tick runs once. */
export const slotsFit: ConfigCheck = ({ election, task }) =>
  election.slots > 1 && task.schedule !== undefined
    ? { path: ['election', 'slots'], message: 'more than 1 does not apply with task.schedule (a tick runs once)' }
    : undefined;

/** Every check `run`, `once` and `validate` apply after the shape. */
export const CONFIG_CHECKS: readonly ConfigCheck[] = [
  connectValid,
  pathsValid,
  stopTimeoutFits,
  scheduleCompiles,
  slotsFit,
  timezoneKnown,
  identityUsable,
  tlsFilesUsable,
  commandPresent,
];

/** What a reload checks at once; the identity is resolved apart, without blocking (daemon.ts). */
export const RELOAD_CHECKS: readonly ConfigCheck[] = CONFIG_CHECKS.filter((c) => c !== identityUsable);
