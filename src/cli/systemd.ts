// systemd `Type=notify`: READY=1 once we joined the election, STATUS= on every state change, WATCHDOG=1 from the
// event loop (a hung loop stops pinging and systemd restarts the service), STOPPING=1 on shutdown. Each message is
// a datagram sent from this process by a small addon (native/notify.c: Node has no unix datagram sockets), so the
// unit can say NotifyAccess=main and nothing the job sends counts. Without the addon (not built), `systemd-notify`
// sends them, spawned with only stdio inherited — which systemd hears only with NotifyAccess=all.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Logger } from '../log.js';
import { LEADING, type State } from '../supervisor/states.js';
import { builtFile } from '../util/built.js';
import { cleanArgv } from '../util/clean-exec.js';

type Addon = { send(socket: string, message: string): string | undefined };

/** The notifier addon, or undefined when build/zks-notify.node is missing or does not load. */
function loadAddon(): Addon | undefined {
  const path = builtFile('zks-notify.node');
  try {
    return path ? (createRequire(import.meta.url)(path) as Addon) : undefined;
  } catch {
    return undefined;
  }
}

/** What `systemctl status` shows for a state. */
export function statusLine(state: State, term: number): string {
  switch (state) {
    case 'running':
    case 'waiting':
      return `leader, term ${term}${state === 'waiting' ? ' (waiting for the next tick)' : ''}`;
    case 'fenced':
      return `leader, term ${term}: ZooKeeper connection lost, the child stops when the lease ends`;
    case 'waiting-for-baton':
      return `won term ${term}: waiting for the previous term's child to stop`;
    case 'candidate':
      return 'candidate: waiting to lead';
    case 'drained':
      return 'drained: connected, not a candidate until undrained';
    case 'connecting':
    case 'backoff':
      return `${state}: waiting for ZooKeeper`;
    default:
      return state;
  }
}

const UNJOINED: readonly State[] = ['idle', 'connecting', 'backoff', 'shutting-down', 'stopped'];

/** What `systemctl status` shows for a daemon's jobs: "leading 7 of 20 jobs", and who is still not joined. */
export function jobsLine(states: readonly State[]): string {
  const leading = states.filter((s) => LEADING.includes(s)).length;
  const waiting = states.filter((s) => s === 'connecting' || s === 'backoff').length;
  const drained = states.filter((s) => s === 'drained').length;
  const rest = [waiting ? `${waiting} waiting for ZooKeeper` : '', drained ? `${drained} drained` : ''];
  return [`leading ${leading} of ${states.length} jobs`, ...rest.filter(Boolean)].join(', ');
}

/** Talks to systemd when it started us with NOTIFY_SOCKET; every method is a no-op otherwise. */
export class SystemdNotifier {
  #ready = false;
  #watchdog: NodeJS.Timeout | undefined;
  #timer: NodeJS.Timeout | undefined;
  #latest: { states: readonly State[]; line: string } | undefined;

  #addon = loadAddon();
  #failed: string | undefined;

  private constructor(
    readonly log: Logger,
    readonly env: NodeJS.ProcessEnv
  ) {
    if (!this.#addon)
      log.warn('build/zks-notify.node is missing: systemd-notify sends the notifications (needs NotifyAccess=all)', {
        fix: 'npm rebuild zk-supervisor',
      });
  }

  /** A notifier for this process, or undefined when systemd did not ask for notifications. */
  static fromEnv(log: Logger, env: NodeJS.ProcessEnv = process.env): SystemdNotifier | undefined {
    return env.NOTIFY_SOCKET ? new SystemdNotifier(log, env) : undefined;
  }

  #send(...vars: string[]): void {
    if (this.#addon) {
      const why = this.#addon.send(this.env.NOTIFY_SOCKET!, vars.join('\n'));
      if (why && why !== this.#failed) this.log.warn('systemd notification not sent', { error: why });
      this.#failed = why;
      return;
    }
    const { file, args, env } = cleanArgv(['systemd-notify', ...vars]);
    const p = spawn(file, args, { stdio: 'ignore', env: { ...this.env, ...env } });
    p.on('error', (err) => this.log.warn('systemd-notify failed', { error: err.message }));
    p.unref();
  }

  /**
   * STATUS= for the jobs' `states` (`line`: what it says); once every job has joined its election, READY=1 too.
   * Sent 100 ms later, the latest only: a hand-over's burst of states costs one process, after the child started.
   */
  state(states: readonly State[], line: string): void {
    this.#latest = { states, line };
    // at once when we stop: systemd should know
    if (states.includes('shutting-down')) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), 100);
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#latest) return;
    const { states, line } = this.#latest;
    const joined = !this.#ready && states.every((s) => !UNJOINED.includes(s));
    const vars = [`STATUS=${line}`];
    if (states.includes('shutting-down')) vars.unshift('STOPPING=1');
    if (joined) vars.unshift('READY=1');
    this.#ready ||= joined;
    this.#send(...vars);
  }

  /** Pings the watchdog at half of WATCHDOG_USEC from the event loop, if systemd set one for us. */
  startWatchdog(): void {
    const usec = Number(this.env.WATCHDOG_USEC);
    const forUs = !this.env.WATCHDOG_PID || Number(this.env.WATCHDOG_PID) === process.pid;
    if (!(usec > 0) || !forUs) return;
    this.#watchdog = setInterval(() => this.#send('WATCHDOG=1'), Math.max(500, usec / 2000));
    this.#watchdog.unref();
  }

  stop(): void {
    clearInterval(this.#watchdog);
    clearTimeout(this.#timer);
  }
}
