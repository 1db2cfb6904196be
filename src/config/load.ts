// YAML file → validated Config. Every problem names the file, the key path, the value and line:column.
import { readFileSync, statSync } from 'node:fs';
import { LineCounter, isPair, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import { AppError } from '../errors.js';
import { ConfigSchema, type Config } from './schema.js';
import { didYouMean } from './suggest.js';

/** The config cannot be used; `problems` holds one line per problem. Exit code 2. */
export class ConfigError extends AppError<'CONFIG'> {
  readonly code = 'CONFIG';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** A loaded config plus the digest secret (kept apart so it is never logged with the config). */
export interface LoadedConfig {
  config: Config;
  digest: string | undefined;
  file: string;
  /** Where a value came from the environment (`${VAR}`), with the variables' names: never print those. */
  interpolated: { path: (string | number)[]; vars: string[] }[];
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

/** `${VAR}`, `${VAR:-default}`, or `$${` (a literal `${`). */
const ENV_REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  return parseConfig(text, file, env, checks);
}

/** Like {@link loadConfig} for YAML text; `file` names it in messages. */
export function parseConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  checks: readonly ConfigCheck[] = []
): LoadedConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return '';
    const { line, col } = lc.linePos(offset);
    return `:${line}:${col}`;
  };
  if (doc.errors.length)
    throw new ConfigError(doc.errors.map((e) => `${file}${at(e.pos[0])}: ${e.message.split('\n')[0]}`));
  const problems: string[] = [];
  const interpolated: LoadedConfig['interpolated'] = [];
  visit(doc, {
    Scalar(_key, node, path) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const where = keyPath(path);
      // The shell owns `$` in a string command: it expands from the job's environment (and its own variables).
      if (where === 'task.command' && isPair(path.at(-1))) return;
      const vars: string[] = [];
      const value = node.value.replace(ENV_REF, (_m, name: string | undefined, def: string | undefined) => {
        if (name === undefined) return '${';
        const v = env[name] ?? def;
        if (v === undefined)
          problems.push(`${file}${at(node.range?.[0])}: ${where}: environment variable ${name} is not set`);
        if (env[name] !== undefined) vars.push(name); // a default is not a secret
        return v ?? '';
      });
      node.value = value;
      if (vars.length) interpolated.push({ path: valuePath(path, node), vars });
    },
  });
  if (problems.length) throw new ConfigError(problems);
  const raw = doc.toJS() ?? {};
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const path = i.path.map(String);
        const where = at(nodeAt(doc, i.path)?.range?.[0]);
        const value = valueAt(raw, i.path);
        const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
        const what =
          i.code === 'unrecognized_keys'
            ? `unknown key ${i.keys.map((k) => JSON.stringify(k) + hint(path, k)).join(', ')}`
            : value === undefined && i.code !== 'custom'
              ? `is required${i.code === 'invalid_type' ? ` (${i.expected})` : ''}`
              : i.message;
        const field = path.join('.') || '(top level)';
        return `${file}${where}: ${field}: ${what}${i.code === 'unrecognized_keys' ? '' : shown}`;
      })
    );
  }
  const config = parsed.data;
  const results = checks.flatMap((check) => check(config) ?? []);
  const line = (f: (typeof results)[number]) =>
    `${file}${at(nodeAt(doc, f.path)?.range?.[0])}: ${f.path.join('.')}: ${f.message}` +
    (f.showValue ? ` (got ${JSON.stringify(valueAt(raw, f.path))})` : '');
  const failed = results.filter((f) => !f.warning);
  if (failed.length) throw new ConfigError(failed.map(line));
  const warnings = results.filter((f) => f.warning).map(line);
  const defaultId = (raw as { election?: { id?: unknown } }).election?.id === undefined;
  return { config, digest: readDigest(config, file, env), file, interpolated, defaultId, warnings };
}

function readDigest(config: Config, file: string, env: NodeJS.ProcessEnv): string | undefined {
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

// The key path of `node` (keys and sequence indexes), from the visitor's ancestors.
function valuePath(path: readonly unknown[], node: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  for (let i = 0; i < path.length; i++) {
    const p = path[i];
    if (isPair(p) && isScalar(p.key)) out.push(String(p.key.value));
    else if (isSeq(p)) out.push(p.items.indexOf((path[i + 1] ?? node) as never));
  }
  return out;
}

const hint = (path: readonly string[], key: string): string => {
  const near = didYouMean(path, key);
  return near ? ` (did you mean ${JSON.stringify(near)}?)` : '';
};

function fileMode(path: string): number | undefined {
  try {
    return statSync(path).mode;
  } catch {
    return undefined; // reading it reports the problem
  }
}

function keyPath(path: readonly unknown[]): string {
  const keys: string[] = [];
  for (const p of path) {
    const k = (p as { key?: unknown }).key;
    if (isScalar(k)) keys.push(String(k.value));
  }
  return keys.join('.') || '(value)';
}

function nodeAt(doc: Document, path: readonly PropertyKey[]): { range?: [number, number, number] | null } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as
      | { range?: [number, number, number] | null }
      | undefined;
    if (node && typeof node === 'object' && 'range' in node) return node;
  }
  return undefined;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}
