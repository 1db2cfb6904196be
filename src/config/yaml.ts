// A YAML config document as the loaders read it: parsed with positions, `${VAR}` interpolated, validated against
// a schema — every problem one line naming the file, the key path, the value and line:column.
import { LineCounter, isPair, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import type * as z from 'zod/mini';
import { AppError } from '../errors.js';
import { didYouMean } from './suggest.js';

/** The config cannot be used; `problems` holds one line per problem. Exit code 2. */
export class ConfigError extends AppError<'CONFIG'> {
  readonly code = 'CONFIG';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** Where values came from the environment (`${VAR}`), with the variables' names: never print those. */
export type Interpolated = { path: (string | number)[]; vars: string[] }[];

/** One parsed file: its document, its plain value, and where each key path is in it. */
export interface YamlFile {
  file: string;
  doc: Document;
  raw: unknown;
  interpolated: Interpolated;
  /** `file:line:col` of the node at `path` (or of its nearest ancestor). */
  where(path: readonly PropertyKey[]): string;
  /** The plain value at `path`. */
  valueAt(path: readonly PropertyKey[]): unknown;
}

/** `${VAR}`, `${VAR:-default}`, or `$${` (a literal `${`). */
const ENV_REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Parses `text` (named `file` in messages) and interpolates `${VAR}` / `${VAR:-default}` from `env`; a string
 * `task.command` is left alone (its shell expands it from the job's environment: a value is data, never code).
 * Throws ConfigError.
 */
export function readYaml(text: string, file: string, env: NodeJS.ProcessEnv): YamlFile {
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
  const interpolated: Interpolated = [];
  visit(doc, {
    Scalar(_key, node, path) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const where = keyPath(path);
      // The shell owns `$` in a string command: it expands from the job's environment (and its own variables).
      if (/(^|\.)task\.command$/.test(where) && isPair(path.at(-1))) return;
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
  return {
    file,
    doc,
    raw,
    interpolated,
    where: (path) => `${file}${at(nodeAt(doc, path)?.range?.[0])}`,
    valueAt: (path) => valueAt(raw, path),
  };
}

/**
 * Validates the value at `prefix` of `y` against `schema`; throws ConfigError with one line per problem, each
 * naming the key path from the top of the file.
 */
export function validate<S extends z.ZodMiniType>(
  schema: S,
  y: YamlFile,
  prefix: readonly (string | number)[] = []
): z.output<S> {
  const value = prefix.length ? y.valueAt(prefix) : y.raw;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((i) => {
      const full = [...prefix, ...i.path];
      const path = full.map(String);
      const v = y.valueAt(full);
      const shown = v === undefined ? '' : ` (got ${JSON.stringify(v)})`;
      const what =
        i.code === 'unrecognized_keys'
          ? `unknown key ${i.keys.map((k) => JSON.stringify(k) + hint(i.path.map(String), k)).join(', ')}`
          : v === undefined && i.code !== 'custom'
            ? `is required${i.code === 'invalid_type' ? ` (${i.expected})` : ''}`
            : i.message;
      const field = path.join('.') || '(top level)';
      return `${y.where(full)}: ${field}: ${what}${i.code === 'unrecognized_keys' ? '' : shown}`;
    })
  );
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
