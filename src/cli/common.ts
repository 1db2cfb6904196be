// What every command shares: the exit codes, the one-line failure, loading the config.
import { loadJobs, type LoadedJobs } from '../config/jobs.js';
import type { LoadedConfig } from '../config/load.js';
import { ConfigError } from '../config/yaml.js';
import { CONFIG_CHECKS } from '../supervisor/checks.js';
import { accessError } from '../supervisor/secure.js';
import { isZkError } from '../zk/errors.js';

/** Documented exit codes. */
export const EXIT = { OK: 0, FAILURE: 1, CONFIG: 2, NO_LEADER: 3, FENCED: 4, HELD_ELSEWHERE: 75, LOST: 76 } as const;

let jsonErrors = false;

/** From now on a failure is also one JSON object on stdout, `{"error":{"message","exitCode"}}` (`--json`). */
export const failAsJson = (): void => {
  jsonErrors = true;
};

/** Prints `zk-supervisor: message` on stderr (and, after failAsJson, the JSON error on stdout); exits `code`. */
export const fail = (code: number, message: string): never => {
  process.stderr.write(`zk-supervisor: ${message}\n`);
  if (jsonErrors) process.stdout.write(`${JSON.stringify({ error: { message, exitCode: code } })}\n`);
  process.exit(code);
};

/**
 * Loads and checks `file` and every job it names, or exits 2 with one line per problem; the digest variable
 * leaves the environment.
 */
export function loadAll(file: string): LoadedJobs {
  try {
    const loaded = loadJobs(file, process.env, CONFIG_CHECKS);
    // The credential stays with this process: nothing it spawns may inherit it (DESIGN §6).
    const secretVar = loaded.jobs[0]?.config.zookeeper.auth?.digestEnv;
    if (secretVar) delete process.env[secretVar];
    return loaded;
  } catch (err) {
    if (err instanceof ConfigError)
      return fail(EXIT.CONFIG, `invalid config\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
    throw err;
  }
}

/**
 * One job of `file` (as {@link loadAll}): the one of a single-job file, or of a daemon's file the one named `job`
 * — which may be left out when there is only one. Exits 2 naming the jobs otherwise.
 */
export function load(file: string, job?: string): LoadedConfig & { name: string | undefined } {
  return jobOf(loadAll(file), job);
}

/** The job `job` of `all` (see {@link load}). */
export function jobOf(all: LoadedJobs, job?: string): LoadedConfig & { name: string | undefined } {
  const { file } = all;
  const names = all.jobs.map((j) => j.name);
  if (!all.daemon && job !== undefined) fail(EXIT.CONFIG, `--job ${job}: ${file} is a single job's file (no jobs:)`);
  const one =
    job === undefined ? (all.jobs.length === 1 ? all.jobs[0] : undefined) : all.jobs.find((j) => j.name === job);
  if (!one) {
    const which = job === undefined ? `${file} has ${names.length} jobs` : `--job ${job}: ${file} has no such job`;
    fail(EXIT.CONFIG, `${which}: name one with --job (${names.join(', ')})`);
  }
  return { ...one!, digest: all.digest, warnings: all.warnings };
}

/** The one line for a failed command: a NOAUTH names the digest user and the fixes, as `run` does. */
export const problemOf = (err: unknown, digest: string | undefined): string =>
  isZkError(err, 'NOAUTH') ? accessError(err, digest).message : (err as Error).message;
