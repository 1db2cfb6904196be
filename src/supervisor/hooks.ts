// Hooks: commands run on leadership changes (`hooks.onLeader`, `onStepDown`, `onLeaseLost`, `preStart`,
// `postStop`) and on each tick's outcome (`onSuccess`, `onFailure`, `onMissed`: outcome.ts), in order, one at a
// time, each within `hooks.timeout`, with execa (loaded only when a hook is
// configured). Their output goes to the log under the hook's name. Only `preStart` is waited for (it gates the
// child's start); the others are queued, so no stop ever waits for a hook.
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { childEnv } from '../task/spec.js';
import { cleanArgv } from '../util/clean-exec.js';
import { Notifier } from './notify.js';

export type HookName =
  | 'onLeader'
  | 'onStepDown'
  | 'onLeaseLost'
  | 'preStart'
  | 'postStop'
  | 'onSuccess'
  | 'onFailure'
  | 'onMissed';

/** What a hook is told about (in its environment: ZK_SUPERVISOR_REASON, _TERM, _TOKEN, and `env`). */
export interface HookEvent {
  reason: string;
  term?: number;
  token?: number;
  env?: Record<string, string>;
}

/** The hooks of one supervisor; a no-op for every hook the config does not set. */
export class Hooks {
  #queue: Promise<unknown> = Promise.resolve();
  /** The built-in `notify:` (undefined without it); shutdown does not wait for it. */
  readonly notifier: Notifier | undefined;

  /** `load` brings execa (tests give one that fails). */
  constructor(
    readonly config: Config,
    readonly log: Logger,
    readonly load: () => Promise<Pick<typeof import('execa'), 'execa'>> = () => import('execa')
  ) {
    const { id, path } = config.election;
    this.notifier = config.notify && new Notifier(config.notify, { id, host: hostname(), path }, log);
  }

  /** Resolves once every queued hook has run (at shutdown, so that `onStepDown` is not cut off). */
  idle(): Promise<void> {
    return this.#queue.then(() => {});
  }

  /** True when `name` is configured. */
  has(name: HookName): boolean {
    return this.config.hooks?.[name] !== undefined;
  }

  /** Queues `name` after the hooks before it; never waited for, never throws (a failure is logged). */
  fire(name: HookName, event: HookEvent): void {
    if (!this.has(name)) return;
    this.#queue = this.#queue.then(() => this.#safely(name, event));
  }

  /**
   * Runs `name` after the queued hooks and resolves whether it succeeded (true when not configured). Gives up
   * (false) when `signal` aborts first; the hook is then killed.
   */
  async gate(name: HookName, event: HookEvent, signal?: AbortSignal): Promise<boolean> {
    if (!this.has(name)) return true;
    const done = this.#queue.then(() => this.#safely(name, event, signal));
    this.#queue = done;
    return done;
  }

  // A hook that could not even be started (execa failed to load, …) fails alone: the queue goes on.
  #safely(name: HookName, event: HookEvent, signal?: AbortSignal): Promise<boolean> {
    return this.#run(name, event, signal).catch((err: unknown) => {
      this.log.warn('hook failed', { hook: name, error: String(err) });
      return false;
    });
  }

  async #run(name: HookName, event: HookEvent, signal?: AbortSignal): Promise<boolean> {
    const command = this.config.hooks![name]!;
    const timeout = this.config.hooks!.timeout;
    const { execa } = await this.load();
    const env = {
      ...childEnv(this.config),
      ZK_SUPERVISOR_HOOK: name,
      ZK_SUPERVISOR_REASON: event.reason,
      ...(event.term === undefined ? {} : { ZK_SUPERVISOR_TERM: String(event.term) }),
      ...(event.token === undefined ? {} : { ZK_SUPERVISOR_TOKEN: String(event.token) }),
      ...event.env,
    };
    const argv = typeof command === 'string' ? ['/bin/sh', '-c', command] : command;
    // Through the fd-closing prologue: the ZooKeeper client's socket is not close-on-exec.
    const clean = cleanArgv(argv);
    const started = performance.now();
    const child = execa(clean.file, clean.args, {
      env: { ...env, ...clean.env },
      extendEnv: false,
      timeout,
      cancelSignal: signal,
      forceKillAfterDelay: 1000,
      reject: false,
      stdin: 'ignore',
      lines: true,
    });
    const r = await child;
    for (const line of r.stdout as unknown as string[]) this.log.info('hook output', { hook: name, line });
    for (const line of r.stderr as unknown as string[])
      this.log.info('hook output', { hook: name, stream: 'stderr', line });
    const ms = Math.round(performance.now() - started);
    if (r.exitCode === 0) {
      this.log.info('hook done', { hook: name, ms });
      return true;
    }
    const why = r.timedOut ? `timed out after ${timeout} ms` : r.isCanceled ? 'cancelled' : r.shortMessage;
    this.log.warn('hook failed', { hook: name, ms, exitCode: r.exitCode, error: why });
    return false;
  }
}
