// Mistakes on the command line that yargs lets through or words badly: each gets one line naming the option and
// exit 2, before anything runs — an unknown option (with the one it was probably meant to be), an option given
// twice or without its value, an empty --id, a --priority that is not a whole number, --timeout without --wait.
import { closest } from '../config/suggest.js';

/** The options of each command (long names; `c` is --config). */
const OPTIONS: Record<string, readonly string[]> = {
  run: ['config', 'id', 'priority', 'log-level'],
  once: ['config', 'job', 'wait', 'once-per', 'id', 'log-level'],
  validate: ['config', 'quiet'],
  status: ['config', 'job', 'json', 'watch'],
  resign: ['config', 'job', 'wait', 'timeout', 'slot'],
  drain: ['config', 'job', 'id'],
  undrain: ['config', 'job', 'id'],
  'fence-check': ['config', 'job', 'token'],
  suspend: ['config', 'job'],
  trigger: ['config', 'job', 'wait', 'timeout'],
  exec: ['connect', 'path', 'once-per', 'wait', 'digest-file', 'session-timeout', 'acl', 'id', 'log-level'],
  resume: ['config', 'job'],
};
const FLAGS = new Set(['quiet', 'json', 'watch', 'wait']);
const COMMON = ['help', 'version'];

/** The problem with `argv` (one line), or undefined when yargs may take it from here. */
export function argsProblem(argv: readonly string[]): string | undefined {
  const [cmd, ...rest] = argv;
  const known = cmd ? OPTIONS[cmd] : undefined;
  if (!known) return undefined; // yargs says what the commands are
  const seen = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--') break; // what follows is the command's (exec)
    if (!arg.startsWith('-')) continue;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const name = flag === '-c' ? 'config' : flag.replace(/^--?(no-)?/, '');
    if (COMMON.includes(name)) return undefined;
    if (!known.includes(name)) {
      const meant = closest(name, known);
      return `${cmd}: unknown option ${flag}${meant ? `: did you mean --${meant}?` : ''}`;
    }
    if (seen.has(name)) return `${cmd}: --${name} given twice: give it once`;
    const takesValue = !(FLAGS.has(name) && !(cmd === 'once' && name === 'wait'));
    let value: string | true = true;
    if (takesValue) {
      value = inline ?? rest[i + 1] ?? '';
      if (inline === undefined) i++;
      if (value === '' || (inline === undefined && value.startsWith('--'))) {
        return `${cmd}: --${name} needs a value${name === 'config' ? ' (the YAML config file)' : ''}`;
      }
    }
    if (name === 'token' && !/^\d{1,20}$/.test(String(value)))
      return `${cmd}: --token must be a fencing token (a whole number, $ZK_SUPERVISOR_TOKEN), got "${value}"`;
    if (name === 'slot' && !/^\d{1,4}$/.test(String(value)))
      return `${cmd}: --slot must be a slot number (0, 1, …), got "${value}"`;
    if (name === 'priority' && !/^-?\d{1,7}$/.test(String(value)))
      return `${cmd}: --priority must be a whole number (higher is preferred), got "${value}"`;
    seen.set(name, value);
  }
  if (cmd === 'resign' && seen.has('timeout') && !seen.has('wait')) {
    return 'resign: --timeout applies only with --wait (without it, resign returns once the request is written)';
  }
  return undefined;
}
