// Pure path helpers and an exact port of Go's path.Match (the seed resolves wildcards with it).
import { AppError } from '../errors.js';

/** A malformed glob pattern (Go's `path.ErrBadPattern`) or an invalid ZooKeeper path. */
export class PathError extends AppError<'BAD_PATTERN' | 'BAD_PATH'> {
  constructor(
    readonly code: 'BAD_PATTERN' | 'BAD_PATH',
    message: string
  ) {
    super(message);
  }
}

/** Joins path segments with `/`, collapsing duplicate slashes; keeps a leading `/`. */
export function join(...parts: string[]): string {
  const joined = parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/{2,}/g, '/');
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

/** The parent of an absolute path (`/` for top-level nodes). */
export function parent(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The last segment of a path. */
export const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** Throws PathError BAD_PATH unless `path` is an absolute ZooKeeper path without empty, `.` or `..` segments. */
export function validatePath(path: string): string {
  const bad = (why: string) => new PathError('BAD_PATH', `invalid zookeeper path ${JSON.stringify(path)}: ${why}`);
  if (!path.startsWith('/')) throw bad('must start with "/"');
  if (path === '/') return path;
  if (path.endsWith('/')) throw bad('must not end with "/"');
  for (const seg of path.slice(1).split('/')) {
    if (seg === '') throw bad('empty segment');
    if (seg === '.' || seg === '..') throw bad(`relative segment "${seg}"`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
    if (/[\u0000-\u001f\u007f]/.test(seg)) throw bad('control character');
  }
  return path;
}

/** True when `path` holds an unescaped `*`, `?` or `[` (a trailing lone `\` counts, as in the seed). */
export function hasWildcard(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') {
      if (i + 1 >= path.length) return true;
      i++;
    } else if (c === '*' || c === '?' || c === '[') {
      return true;
    }
  }
  return false;
}

const badPattern = (pattern: string) =>
  new PathError('BAD_PATTERN', `syntax error in pattern ${JSON.stringify(pattern)}`);

/**
 * Reports whether `name` matches the shell pattern (Go `path.Match` semantics): `*` any run of non-`/`,
 * `?` one non-`/` character, `[a-z]`/`[^…]` classes, `\` escapes. Throws PathError BAD_PATTERN when malformed.
 */
export function match(pattern: string, name: string): boolean {
  let pat = Array.from(pattern);
  let s = Array.from(name);
  outer: while (pat.length > 0) {
    const { star, chunk, rest } = scanChunk(pat);
    pat = rest;
    if (star && chunk.length === 0) return !s.includes('/');
    const first = matchChunk(chunk, s, pattern);
    if (first !== null && (first.length === 0 || pat.length > 0)) {
      s = first;
      continue;
    }
    if (star) {
      for (let i = 0; i < s.length && s[i] !== '/'; i++) {
        const t = matchChunk(chunk, s.slice(i + 1), pattern);
        if (t !== null) {
          if (pat.length === 0 && t.length > 0) continue;
          s = t;
          continue outer;
        }
      }
    }
    // Before answering false, check that the rest of the pattern is well-formed.
    while (pat.length > 0) {
      const next = scanChunk(pat);
      pat = next.rest;
      matchChunk(next.chunk, [], pattern);
    }
    return false;
  }
  return s.length === 0;
}

function scanChunk(pat: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let star = false;
  let k = 0;
  while (k < pat.length && pat[k] === '*') {
    k++;
    star = true;
  }
  const p = pat.slice(k);
  let inRange = false;
  let i = 0;
  scan: for (; i < p.length; i++) {
    switch (p[i]) {
      case '\\':
        if (i + 1 < p.length) i++;
        break;
      case '[':
        inRange = true;
        break;
      case ']':
        inRange = false;
        break;
      case '*':
        if (!inRange) break scan;
        break;
      default:
    }
  }
  return { star, chunk: p.slice(0, i), rest: p.slice(i) };
}

// Matches `chunk` at the start of `s`; returns the rest of `s`, or null. Validates the whole chunk.
function matchChunk(chunkIn: string[], sIn: string[], pattern: string): string[] | null {
  let chunk = chunkIn;
  let s = sIn;
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === '[') {
      let r = '';
      if (!failed) {
        r = s[0]!;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
      let negated = false;
      if (chunk[0] === '^') {
        negated = true;
        chunk = chunk.slice(1);
      }
      let matched = false;
      let nrange = 0;
      for (;;) {
        if (chunk.length > 0 && chunk[0] === ']' && nrange > 0) {
          chunk = chunk.slice(1);
          break;
        }
        const lo = getEsc(chunk, pattern);
        chunk = lo.rest;
        let hi = lo.ch;
        if (chunk[0] === '-') {
          const h = getEsc(chunk.slice(1), pattern);
          hi = h.ch;
          chunk = h.rest;
        }
        if (!failed && cp(lo.ch) <= cp(r) && cp(r) <= cp(hi)) matched = true;
        nrange++;
      }
      if (matched === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[0] === '/') failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    } else {
      if (c === '\\') {
        chunk = chunk.slice(1);
        if (chunk.length === 0) throw badPattern(pattern);
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    }
  }
  return failed ? null : s;
}

const cp = (ch: string): number => ch.codePointAt(0) ?? -1;

function getEsc(chunkIn: string[], pattern: string): { ch: string; rest: string[] } {
  let chunk = chunkIn;
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') throw badPattern(pattern);
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) throw badPattern(pattern);
  }
  const ch = chunk[0]!;
  const rest = chunk.slice(1);
  if (rest.length === 0) throw badPattern(pattern);
  return { ch, rest };
}
