// What `validate` may print: the normalized config without the values that could be secrets.
import { hostname } from 'node:os';
import type { LoadedConfig } from './load.js';

/** The fields the schema reads as durations: printed as the loader reads them back ("10s", not 10000). */
const DURATIONS = [
  ...['sessionTimeout', 'connectTimeout', 'serverTickTime'].map((k) => ['zookeeper', k]),
  ['task', 'stopTimeout'],
  ['task', 'startingDeadline'],
  ...['initialDelay', 'maxDelay', 'crashLoopWindow'].map((k) => ['task', 'restart', k]),
  ['hooks', 'timeout'],
];

/** `ms` in the largest unit that holds it whole: "90s", "2m", "1h", "250ms". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** `task.env` names that hold secrets by convention: their values are never printed. */
const SECRET_NAME = /pass|secret|token|key|credential|auth|cookie|session|private/i;

/**
 * A copy of the normalized config in which every value that came from `${VAR}` reads `«from $VAR»` and every
 * `task.env` value whose name looks secret reads `«secret»`.
 */
export function redactedConfig(
  loaded: Pick<LoadedConfig, 'config' | 'interpolated' | 'defaultId'>
): Record<string, unknown> {
  const shown = structuredClone(loaded.config) as unknown as Record<string, unknown>;
  const env = (shown.task as { env: Record<string, string> }).env;
  for (const name of Object.keys(env)) if (SECRET_NAME.test(name)) env[name] = '«secret»';
  for (const { path, vars } of loaded.interpolated) {
    let parent: unknown = shown;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown> | undefined)?.[key];
    const last = path.at(-1);
    if (parent && typeof parent === 'object' && last !== undefined && last in parent) {
      (parent as Record<string | number, unknown>)[last] = `«from ${vars.map((v) => `$${v}`).join(', ')}»`;
    }
  }
  for (const path of DURATIONS) {
    const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], shown);
    const last = path.at(-1)!;
    const o = parent as Record<string, unknown> | undefined;
    if (o && typeof o[last] === 'number') o[last] = formatDuration(o[last] as number);
  }
  if (loaded.defaultId) {
    (shown.election as { id: string }).id = `«default: ${hostname()}:<pid of the running supervisor>»`;
  }
  return shown;
}
