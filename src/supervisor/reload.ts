// SIGHUP: what a re-read config changes, and when each change can apply without risking the job's safety.
import type { Config } from '../config/schema.js';

/** Changed key paths, by when they apply: `now` (logging), `nextTerm` (task), `nextSession` (the rest). */
export interface ReloadPlan {
  now: string[];
  nextTerm: string[];
  nextSession: string[];
}

function changed(a: unknown, b: unknown, path: string, out: string[]): void {
  const objects = a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b);
  if (!objects) {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
    return;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) changed(ra[k], rb[k], `${path}.${k}`, out);
}

/**
 * Compares two configs. Logging applies at once (the level; the format needs a restart); `task.*` (the idle
 * leash of a candidate is spawned with it), `election.*`, `pidNode.*` and the rest when the job next joins, and
 * `zookeeper.*` with a new session (Job.reload) — at once unless the job holds a term, otherwise when it ends.
 */
export function planReload(old: Config, next: Config): ReloadPlan {
  const plan: ReloadPlan = { now: [], nextTerm: [], nextSession: [] };
  for (const section of Object.keys(next) as (keyof Config)[]) {
    const out: string[] = [];
    changed(old[section], next[section], section, out);
    if (section === 'logging') plan.now.push(...out);
    else if (section === 'task') plan.nextTerm.push(...out);
    else plan.nextSession.push(...out);
  }
  return plan;
}
