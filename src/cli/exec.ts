// `exec`: the consul-lock one-liner for crontabs — `once` without a YAML file. The flags are turned into the
// config `once` would read (every check applies; a problem names the flag) and the command after `--` is the task.
import { stringify } from 'yaml';
import { parseConfig } from '../config/load.js';
import { ConfigError } from '../config/yaml.js';
import { CONFIG_CHECKS } from '../supervisor/checks.js';
import { EXIT, fail } from './common.js';
import { onceCommandOf } from './daemon.js';

/** The flags of `exec`. */
export interface ExecArgs {
  connect?: string;
  path?: string;
  oncePer?: string;
  wait?: string;
  digestFile?: string;
  sessionTimeout?: string;
  acl?: string;
  id?: string;
  logLevel?: string;
  /** The command and its arguments (after `--`). */
  command: string[];
}

// Which flag sets which key: a problem with the key is said with the flag.
const FLAG_OF: Record<string, string> = {
  'zookeeper.connect': '--connect',
  'zookeeper.sessionTimeout': '--session-timeout',
  'zookeeper.auth.digestFile': '--digest-file',
  'zookeeper.acl': '--acl',
  'election.path': '--path',
  'election.id': '--id',
  'task.command': 'the command',
};

/** Runs `a.command` once if this host wins the lock at `a.path`; exits as `once` does (2 on a bad flag). */
export function execCommand(a: ExecArgs): Promise<void> {
  if (!a.connect) fail(EXIT.CONFIG, 'exec: --connect is required (host:port[,host:port…][/chroot])');
  if (!a.path) fail(EXIT.CONFIG, "exec: --path is required (the lock's ZooKeeper node, e.g. /locks/report)");
  if (a.command.length === 0)
    fail(EXIT.CONFIG, 'exec: no command: give it after --, e.g. exec … -- /usr/bin/report --daily');
  const config = {
    zookeeper: {
      connect: a.connect,
      ...(a.sessionTimeout && { sessionTimeout: a.sessionTimeout }),
      ...(a.digestFile && { auth: { digestFile: a.digestFile } }),
      ...(a.acl && { acl: a.acl }),
    },
    election: { path: a.path, ...(a.id && { id: a.id }) },
    task: { command: a.command },
  };
  const text = stringify(config);
  let loaded: ReturnType<typeof parseConfig>;
  try {
    loaded = parseConfig(text.replaceAll('${', '$${'), 'exec', {}, CONFIG_CHECKS); // a flag is data: no ${VAR}
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const lines = err.problems.map((p) =>
      p.replace(/^exec:\d+:\d+: ([\w.]+):/, (_, key: string) => `${FLAG_OF[key] ?? key}:`)
    );
    return fail(EXIT.CONFIG, `exec: ${lines.join('; ')}`);
  }
  return onceCommandOf('exec', { ...loaded, name: undefined }, a);
}
