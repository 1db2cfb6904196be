// The process logger: a constant message plus fields, one line per entry on stderr (stdout stays the child's);
// `text` for terminals, `json` (keys sorted, as before) for journald. Written for the run path: one synchronous
// write per line (stderr is synchronous on Linux for files, pipes and terminals), no streams, nothing to load:
// winston took 28 packages and 150 KB of the bundle for the same two formats (bench/RESULTS.md, #28).
import { fstatSync } from 'node:fs';

export const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type Level = (typeof LEVELS)[number];
type Fields = Record<string, unknown>;
type Write = (line: string) => void;

/** What the supervisor logs through. `level` can be changed at any time (SIGHUP reload). */
export interface Logger {
  level: Level;
  error(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  debug(message: string, fields?: Fields): void;
  /** Resolves once every line written so far has been handed to the OS (call before `process.exit`). */
  flush(): Promise<void>;
}

/** sd-daemon(3) priorities: journald reads a `<N>` line prefix as the line's priority (`journalctl -p`). */
const PRIORITY: Record<Level, string> = { error: '<3>', warn: '<4>', info: '<6>', debug: '<7>' };

/** True when stderr is the journal's stream (`JOURNAL_STREAM` names its device and inode, systemd.exec(5)). */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const [dev, ino] = (env.JOURNAL_STREAM ?? '').split(':');
  if (!dev || !ino) return false;
  try {
    const st = fstatSync(2, { bigint: true });
    return String(st.dev) === dev && String(st.ino) === ino;
  } catch {
    return false;
  }
}

/**
 * Creates the process logger; `write` replaces stderr (tests). `journal` (default: stderr is the journal's stream)
 * starts every line with its sd-daemon priority. An unknown level is a TypeError.
 */
export function createLogger(
  opts: { level?: string; format?: 'auto' | 'text' | 'json'; fields?: Fields; write?: Write; journal?: boolean } = {}
): Logger {
  const json = opts.format === 'json' || (opts.format !== 'text' && !process.stdout.isTTY);
  const journal = opts.journal ?? (opts.write ? false : stderrIsJournal());
  const write: Write = opts.write ?? ((line) => void process.stderr.write(line));
  const defaults = opts.fields ?? {};
  let rank = rankOf(opts.level ?? 'info');
  const entry = (level: Level, message: string, fields: Fields | undefined) => {
    if (LEVELS.indexOf(level) > rank) return;
    const all = fields ? { ...defaults, ...fields } : defaults;
    const timestamp = new Date().toISOString();
    const line = json ? jsonLine(level, message, timestamp, all) : textLine(level, message, timestamp, all);
    write(`${journal ? PRIORITY[level] : ''}${line}\n`);
  };
  return {
    get level() {
      return LEVELS[rank]!;
    },
    set level(l: Level) {
      rank = rankOf(l);
    },
    error: (m, f) => entry('error', m, f),
    warn: (m, f) => entry('warn', m, f),
    info: (m, f) => entry('info', m, f),
    debug: (m, f) => entry('debug', m, f),
    flush: () => new Promise<void>((resolve) => (opts.write ? resolve() : process.stderr.write('', () => resolve()))),
  };
}

/** `log` with `fields` on every line (the level and the flush are `log`'s). */
export function withFields(log: Logger, fields: Fields): Logger {
  const f = (extra?: Fields) => (extra ? { ...fields, ...extra } : fields);
  return {
    get level() {
      return log.level;
    },
    set level(l: Level) {
      log.level = l;
    },
    error: (m, x) => log.error(m, f(x)),
    warn: (m, x) => log.warn(m, f(x)),
    info: (m, x) => log.info(m, f(x)),
    debug: (m, x) => log.debug(m, f(x)),
    flush: () => log.flush(),
  };
}

function rankOf(level: string): number {
  const rank = LEVELS.indexOf(level as Level);
  if (rank < 0) throw new TypeError(`unknown log level '${level}' (one of ${LEVELS.join(', ')})`);
  return rank;
}

function textLine(level: Level, message: string, timestamp: string, fields: Fields): string {
  let line = `${timestamp} ${level.padEnd(5)} ${message}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    line += ` ${k}=${typeof v === 'string' && !/\s/.test(v) ? v : stringify(v)}`;
  }
  return line;
}

function jsonLine(level: Level, message: string, timestamp: string, fields: Fields): string {
  const all: Fields = { ...fields, level, message, timestamp };
  const sorted: Fields = {};
  for (const k of Object.keys(all).sort()) sorted[k] = all[k];
  return stringify(sorted);
}

// JSON that never throws: bigints as strings, errors by their message, an object met twice as "[Circular]".
function stringify(v: unknown): string {
  const seen = new WeakSet<object>();
  return (
    JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return x.toString();
      if (x instanceof Error) return x.message;
      if (x && typeof x === 'object') {
        if (seen.has(x)) return '[Circular]';
        seen.add(x);
      }
      return x;
    }) ?? String(v)
  );
}
