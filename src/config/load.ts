// YAML file → validated Config. Every problem names the file, the key path, the value and line:column.
import { readFileSync, statSync } from 'node:fs';
import { ConfigSchema, type Config } from './schema.js';
import { ConfigError, type Interpolated, readYaml, validate, type YamlFile } from './yaml.js';

/** A loaded config plus the digest secret (kept apart so it is never logged with the config). */
export interface LoadedConfig {
  config: Config;
  digest: string | undefined;
  file: string;
  /** Where a value came from the environment (`${VAR}`), with the variables' names: never print those. */
  interpolated: Interpolated;
  /** True when the file gives no `election.id` (each process uses its hostname:pid). */
  defaultId: boolean;
  /** Problems that may resolve themselves later (a command not installed yet): said, not refused. */
  warnings: string[];
}

/**
 * A check of a config whose shape is valid (the layers above config own these: the lease arithmetic, the cron
 * parser): the key path it is about and the problem, or undefined. A `warning` is said but does not refuse the file.
 */
export type ConfigCheck = (
  config: Config
) => { path: readonly string[]; message: string; showValue?: boolean; warning?: boolean } | undefined;

/** Reads `file` (ConfigError naming it when it cannot be read). */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
}

/**
 * Reads, interpolates `${VAR}` / `${VAR:-default}` (`$${` is a literal `${`), validates the shape, runs `checks`.
 * A string `task.command` is left alone: `/bin/sh` expands its variables from the job's environment, so a value
 * is data, never code. Throws ConfigError.
 */
export function loadConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  checks: readonly ConfigCheck[] = []
): LoadedConfig {
  return parseConfig(readText(file), file, env, checks);
}

/** Like {@link loadConfig} for YAML text; `file` names it in messages. */
export function parseConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  checks: readonly ConfigCheck[] = []
): LoadedConfig {
  return configOf(readYaml(text, file, env), env, checks);
}

/** A single job's config from its parsed file `y` (validated, checked, its digest read). Throws ConfigError. */
export function configOf(y: YamlFile, env: NodeJS.ProcessEnv, checks: readonly ConfigCheck[]): LoadedConfig {
  const config = validate(ConfigSchema, y);
  const warnings = runChecks(config, checks, () => ({ y, prefix: [] }));
  const defaultId = (y.raw as { election?: { id?: unknown } }).election?.id === undefined;
  const { file, interpolated } = y;
  return { config, digest: readDigest(config, file, env), file, interpolated, defaultId, warnings };
}

/**
 * Runs `checks` on `config`; `locate` says which file (and where in it) a key path of the config is written.
 * Throws ConfigError with the failed ones; returns the warnings' lines.
 */
export function runChecks(
  config: Config,
  checks: readonly ConfigCheck[],
  locate: (path: readonly string[]) => { y: YamlFile; prefix: readonly (string | number)[] }
): string[] {
  const results = checks.flatMap((check) => check(config) ?? []);
  const line = (f: (typeof results)[number]) => {
    const { y, prefix } = locate(f.path);
    const full = [...prefix, ...f.path];
    return (
      `${y.where(full)}: ${full.join('.')}: ${f.message}` +
      (f.showValue ? ` (got ${JSON.stringify(y.valueAt(full))})` : '')
    );
  };
  const failed = results.filter((f) => !f.warning);
  if (failed.length) throw new ConfigError(failed.map(line));
  return results.filter((f) => f.warning).map(line);
}

/** The digest credential `config` names (file or variable), checked; undefined without one. Throws ConfigError. */
export function readDigest(config: Config, file: string, env: NodeJS.ProcessEnv): string | undefined {
  const auth = config.zookeeper.auth;
  if (!auth) {
    if (config.zookeeper.acl === 'secured')
      throw new ConfigError([`${file}: zookeeper.acl: "secured" needs zookeeper.auth (digestFile or digestEnv)`]);
    return undefined;
  }
  let secret: string | undefined;
  if (auth.digestFile) {
    const mode = fileMode(auth.digestFile);
    if (mode !== undefined && mode & 0o077) {
      const octal = (mode & 0o777).toString(8).padStart(4, '0');
      throw new ConfigError([
        `${file}: zookeeper.auth.digestFile: ${auth.digestFile} is accessible by group or others (mode ${octal}): ` +
          `run chmod 600 ${auth.digestFile} (and chown it to the user the supervisor runs as)`,
      ]);
    }
    try {
      secret = readFileSync(auth.digestFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError([
        `${file}: zookeeper.auth.digestFile: cannot read ${auth.digestFile} (${(err as NodeJS.ErrnoException).code})`,
      ]);
    }
  } else if (auth.digestEnv) {
    secret = env[auth.digestEnv];
    if (!secret)
      throw new ConfigError([`${file}: zookeeper.auth.digestEnv: environment variable ${auth.digestEnv} is not set`]);
  }
  if (secret !== undefined && !/^[^:\s]+:\S+$/.test(secret)) {
    throw new ConfigError([`${file}: zookeeper.auth: the credentials must look like user:password (value not shown)`]);
  }
  return secret;
}

function fileMode(path: string): number | undefined {
  try {
    return statSync(path).mode;
  } catch {
    return undefined; // reading it reports the problem
  }
}
