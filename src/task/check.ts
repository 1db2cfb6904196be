// Before a spawn: the command and its directory must be usable, or a TaskSpawnError names what is wrong.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { AppError } from '../errors.js';

export type TaskSpawnCode = 'NOT_FOUND' | 'NOT_EXECUTABLE' | 'BAD_CWD' | 'SPAWN_FAILED';

/** The command cannot be started (not found, not executable, bad cwd) or the system refused a process. */
export class TaskSpawnError extends AppError<TaskSpawnCode> {
  constructor(
    readonly code: TaskSpawnCode,
    message: string
  ) {
    super(message);
  }
}

/** Checks, before spawning, that the command and cwd are usable; throws TaskSpawnError naming them. */
export function checkCommand(argv: readonly string[], cwd?: string, env: NodeJS.ProcessEnv = process.env): void {
  if (cwd) {
    try {
      if (!statSync(cwd).isDirectory()) throw new Error();
    } catch {
      throw new TaskSpawnError('BAD_CWD', `task.cwd ${cwd}: not a directory`);
    }
  }
  const file = argv[0];
  if (!file) throw new TaskSpawnError('NOT_FOUND', 'task.command is empty');
  const candidates = file.includes('/')
    ? [isAbsolute(file) ? file : join(cwd ?? process.cwd(), file)]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, file));
  let exists = false;
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      exists = true;
      accessSync(c, constants.X_OK);
      return;
    } catch {
      /* next */
    }
  }
  throw exists
    ? new TaskSpawnError('NOT_EXECUTABLE', `task.command ${file}: permission denied (not executable)`)
    : new TaskSpawnError('NOT_FOUND', `task.command ${file}: not found${file.includes('/') ? '' : ' in PATH'}`);
}

/** What a shell runs first for itself: no program to look for. */
const SHELL_WORDS = new Set(
  (
    '! . : [ alias bg break case cd command continue echo eval exit export false fg for getopts hash if jobs kill ' +
    'printf pwd read readonly return set shift source test then times trap true type ulimit umask unalias unset ' +
    'until wait while { ( (('
  ).split(' ')
);

/**
 * The program a string command starts with, when that is plain to see (`exec` and `VAR=value` prefixes skipped);
 * undefined for a shell word, an expansion or anything else a shell must interpret first.
 */
export function firstProgram(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  let i = 0;
  while (i < words.length && (words[i] === 'exec' || /^[A-Za-z_][A-Za-z0-9_]*=\S*$/.test(words[i]!))) i++;
  const word = words[i];
  if (!word || SHELL_WORDS.has(word) || !/^[\w./+-]+$/.test(word)) return undefined;
  return word;
}
