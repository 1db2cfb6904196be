// Checks of a loaded config that need more than its shape: the lease arithmetic and the cron parser.
import type { ConfigCheck } from '../config/load.js';
import { leaseTiming, stopBudgetMs } from '../recipes/lease.js';
import { compileSchedule } from '../schedule/cron.js';

/** The stop timeout fits the fencing window of the configured session timeout (DESIGN §3.1). */
export const stopTimeoutFits: ConfigCheck = ({ zookeeper: { sessionTimeout: T }, task }) => {
  const budget = stopBudgetMs(T);
  if (task.stopTimeout < budget) return undefined;
  const { heartbeatMs, marginMs } = leaseTiming(T);
  return {
    path: ['task', 'stopTimeout'],
    message: `${task.stopTimeout} ms does not fit the fencing window of zookeeper.sessionTimeout ${T} ms `
      + `(must be below ${budget} ms = sessionTimeout − heartbeat ${heartbeatMs} ms − margin ${marginMs} ms): `
      + 'a partitioned leader could still be stopping its child when another host starts one. '
      + `Raise zookeeper.sessionTimeout to at least ${Math.ceil((task.stopTimeout + 200) / 0.65)} ms or lower task.stopTimeout.`,
  };
};

/** task.schedule (with task.timezone) is a cron expression croner accepts. */
export const scheduleCompiles: ConfigCheck = ({ task }) => {
  if (task.schedule === undefined) return undefined;
  try { compileSchedule(task.schedule, task.timezone); } catch (err) {
    const message = (err as Error).message;
    return { path: ['task', /time ?zone/i.test(message) ? 'timezone' : 'schedule'], message, showValue: true };
  }
  return undefined;
};

/** Every check `run`, `once` and `validate` apply after the shape. */
export const CONFIG_CHECKS: readonly ConfigCheck[] = [stopTimeoutFits, scheduleCompiles];
