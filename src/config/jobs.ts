// A daemon's config: the shared sections (zookeeper, logging, metrics) and its jobs — every `*.yaml` of a directory
// (the job's name is the file's) or an inline list — each merged into a full Config. A file without `jobs:` is the
// single job of today. Every problem names the file it is in; all files' problems are said at once.
import { readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type ConfigCheck, configOf, readDigest, readText, runChecks, type LoadedConfig } from './load.js';
import { type Config, DaemonSchema, InlineJobSchema, JOB_NAME, JobSchema } from './schema.js';
import { ConfigError, type Interpolated, readYaml, validate, type YamlFile } from './yaml.js';

/** One job as loaded: its name (undefined for a single-job file), where it is written, its full config. */
export interface LoadedJob extends Omit<LoadedConfig, 'digest' | 'warnings'> {
  name: string | undefined;
}

/** A loaded daemon (or single-job) file. */
export interface LoadedJobs {
  file: string;
  /** True when the file has `jobs:`. */
  daemon: boolean;
  /** `spread:` of a daemon's file (see {@link DaemonSchema}). */
  spread: boolean;
  jobs: LoadedJob[];
  digest: string | undefined;
  warnings: string[];
}

const SHARED_KEYS = ['zookeeper', 'logging', 'metrics'];
const JOB_KEYS = ['election', 'task', 'hooks', 'pidNode'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Loads `file` (a daemon's or a single job's) and every job it names; throws ConfigError with every problem. */
export function loadJobs(file: string, env: NodeJS.ProcessEnv, checks: readonly ConfigCheck[]): LoadedJobs {
  const y = readYaml(readText(file), file, env);
  if (!isObject(y.raw) || !('jobs' in y.raw)) {
    const { digest, warnings, ...job } = configOf(y, env, checks);
    return { file, daemon: false, jobs: [{ name: undefined, ...job }], spread: false, digest, warnings };
  }
  const problems = misplaced(
    y,
    JOB_KEYS,
    "a daemon file has no job of its own: it belongs in each job's file (or entry of jobs:)"
  );
  const shared = problems.length ? undefined : collect(problems, () => validate(DaemonSchema, y));
  if (!shared) throw new ConfigError(problems);
  const { jobs: _, spread, ...sharedConfig } = shared;
  const sharedVars = y.interpolated.filter((i) => i.path[0] !== 'jobs');
  const jobs: LoadedJob[] = [];
  const warnings: string[] = [];
  const add = (
    name: string,
    jy: YamlFile,
    prefix: (string | number)[],
    part: Omit<Config, keyof typeof sharedConfig>
  ) => {
    const config = { ...sharedConfig, ...part } as Config;
    const locate = (path: readonly string[]) =>
      SHARED_KEYS.includes(path[0]!) ? { y, prefix: [] } : { y: jy, prefix };
    const ok = collect(problems, () => warnings.push(...runChecks(config, checks, locate)));
    const raw = prefix.length ? jy.valueAt(prefix) : jy.raw;
    const defaultId = (raw as { election?: { id?: unknown } }).election?.id === undefined;
    const own = jy.interpolated
      .filter((i) => prefix.every((p, k) => i.path[k] === p))
      .map((i) => ({ ...i, path: i.path.slice(prefix.length) }));
    const interpolated: Interpolated = [...sharedVars, ...own];
    if (ok !== undefined) jobs.push({ name, file: jy.file, config, interpolated, defaultId });
  };
  if (typeof shared.jobs === 'string') {
    const dir = resolve(dirname(file), shared.jobs);
    for (const f of jobFiles(dir, y, problems)) {
      const name = basename(f, '.yaml');
      if (!JOB_NAME.test(name)) {
        problems.push(`${f}: the job's name (its file's) must be letters, digits, "_", "." or "-" (at most 64)`);
        continue;
      }
      const jy = collect(problems, () => readYaml(readText(f), f, env));
      if (!jy) continue;
      const wrong = misplaced(jy, SHARED_KEYS, `set once in ${file}, for every job`);
      problems.push(...wrong);
      const part = wrong.length ? undefined : collect(problems, () => validate(JobSchema, jy));
      if (part) add(name, jy, [], part);
    }
  } else {
    shared.jobs.forEach((_, i) => {
      const entry = collect(problems, () => validate(InlineJobSchema, y, ['jobs', i]));
      if (!entry) return;
      const { name, ...part } = entry;
      add(name, y, ['jobs', i], part);
    });
  }
  problems.push(...clashes(jobs));
  if (problems.length) throw new ConfigError(problems);
  return { file, daemon: true, jobs, spread, digest: readDigest(jobs[0]!.config, file, env), warnings };
}

// The job files of `dir`: every `*.yaml` (not hidden), in name order; a problem when there is none.
function jobFiles(dir: string, y: YamlFile, problems: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    problems.push(`${y.where(['jobs'])}: jobs: cannot read ${dir} (${(err as NodeJS.ErrnoException).code})`);
    return [];
  }
  const files = names.filter((n) => n.endsWith('.yaml') && !n.startsWith('.')).sort();
  if (!files.length) problems.push(`${y.where(['jobs'])}: jobs: no job in ${dir} (each job is a *.yaml file there)`);
  return files.map((n) => join(dir, n));
}

// Top-level keys of `y` that belong in the other kind of file.
function misplaced(y: YamlFile, keys: readonly string[], why: string): string[] {
  if (!isObject(y.raw)) return [];
  const raw = y.raw;
  return keys.filter((k) => k in raw).map((k) => `${y.where([k])}: ${k}: ${why}`);
}

// Runs `f`; a ConfigError's problems go to `problems` (undefined returned), anything else is thrown.
function collect<T>(problems: string[], f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
}

// Two jobs on one election (or one pid node) would be one job run twice: refused, naming both.
function clashes(jobs: readonly LoadedJob[]): string[] {
  const problems: string[] = [];
  for (const [key, of] of [
    ['election.path', (c: Config) => c.election.path],
    ['pidNode.path', (c: Config) => c.pidNode.path],
  ] as const) {
    const seen = new Map<string, LoadedJob>();
    for (const job of jobs) {
      const path = of(job.config);
      const other = path === undefined ? undefined : seen.get(path);
      if (other) {
        problems.push(
          `${job.file}: ${key}: ${path} is also that of job ${other.name} (${other.file}): each job needs its own`
        );
      } else if (path !== undefined) seen.set(path, job);
    }
  }
  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name!)) problems.push(`${job.file}: name: there are two jobs named ${job.name}`);
    names.add(job.name!);
  }
  return problems;
}
