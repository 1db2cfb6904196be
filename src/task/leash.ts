// The leash: a small compiled keeper (native/leash.c, built at install into build/zks-leash) that holds the job
// on the supervisor's lease (DESIGN §3.3). It is a child subreaper, so nothing the job starts escapes it; it
// closes every inherited descriptor itself; it takes absolute CLOCK_MONOTONIC deadlines over its control
// socket (fd 3) and answers with the job's exact wait status once no descendant is left.
import { constants } from 'node:os';
import { builtFile } from '../util/built.js';

/** Path of the leash binary: $ZKS_LEASH, else build/zks-leash of this package. Throws when it is missing. */
export function leashPath(): string {
  const path = process.env.ZKS_LEASH || builtFile('zks-leash');
  if (path) return path;
  throw new Error(
    'the leash (build/zks-leash) is missing: run `npm rebuild zk-supervisor` ' +
      '(or node scripts/build-native.mjs) with a C compiler installed'
  );
}

/** argv of a leash around `argv`. */
export function leashArgv(argv: readonly string[], graceMs: number, signal: string): { file: string; args: string[] } {
  return { file: leashPath(), args: [String(Math.max(0, Math.round(graceMs))), signal, ...argv] };
}

/** Absolute CLOCK_MONOTONIC deadline (ns) `ms` from now, as the leash reads it. */
export const deadlineIn = (ms: number): string =>
  String(process.hrtime.bigint() + BigInt(Math.floor(Math.max(0, ms) * 1e6)));

/** The leash's last word: how the job ended. `survivors`: something outlived the grace and was SIGKILLed. */
export type LeashStatus =
  | { ran: false }
  | { ran: true; exitCode: number | null; signal: NodeJS.Signals | null; survivors: boolean };

const SIGNALS = Object.fromEntries(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/** Parses a status line (`E <code> <k>`, `K <signo> <k>`, `N`); undefined for anything else. */
export function parseStatus(line: string): LeashStatus | undefined {
  const [kind, value, k] = line.trim().split(' ');
  if (kind === 'N') return { ran: false };
  if (kind === 'E') return { ran: true, exitCode: Number(value), signal: null, survivors: k === '1' };
  if (kind === 'K') return { ran: true, exitCode: null, signal: SIGNALS[Number(value)] ?? null, survivors: k === '1' };
  return undefined;
}
