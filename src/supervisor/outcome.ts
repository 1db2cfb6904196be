// How a tick ended, told once per tick: to the run metrics (`ctx.ran`) and to the outcome hooks — `onSuccess`,
// `onFailure` (failed, timed out, replaced, or cut short by the end of leadership) and `onMissed` (nobody led at
// the tick, or the run before it still ran) — with the tick, the outcome and the exit in their environment.
import type { HookName } from './hooks.js';
import type { ModeContext, RunOutcome } from './mode.js';

const HOOK_OF: Partial<Record<RunOutcome['outcome'], HookName>> = {
  success: 'onSuccess',
  failure: 'onFailure',
  'timed-out': 'onFailure',
  replaced: 'onFailure',
  fenced: 'onFailure',
  skipped: 'onMissed',
  missed: 'onMissed',
};

/** Reports how the tick `run.tick` ended (in the term `about`, when one ran it). */
export function runEnded(ctx: ModeContext, run: RunOutcome, about: { term?: number; token?: number } = {}): void {
  ctx.ran(run);
  ctx.hooks.notifier?.ended(run, about);
  const { tick, outcome, exitCode, signal, durationMs } = run;
  const hook = HOOK_OF[outcome];
  if (hook === undefined) return; // suspended: an operator's doing, not an outcome to page on
  ctx.hooks.fire(hook, {
    reason: `tick ${tick}: ${outcome}`,
    ...about,
    env: {
      ZK_SUPERVISOR_TICK: tick,
      ZK_SUPERVISOR_OUTCOME: outcome,
      ZK_SUPERVISOR_EXIT_CODE: exitCode === undefined || exitCode === null ? '' : String(exitCode),
      ZK_SUPERVISOR_SIGNAL: signal ?? '',
      ZK_SUPERVISOR_DURATION_MS: durationMs === undefined ? '' : String(durationMs),
      ZK_SUPERVISOR_HOST: ctx.info.host,
    },
  });
}
