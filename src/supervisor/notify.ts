// `notify:` — the built-in outcome notification (#31.4): one JSON document POSTed per event a job's ticks have
// (`failure`, `recovery`: the first success after a failure, `missed`, `timed-out`, `success`), and/or the
// Healthchecks-style pings (`<url>/start` when a run starts, `<url>` on success, `<url>/fail` on failure). Sent in
// the background with a timeout and retries: never a run or a stop waits for it; a failed delivery is one log line.
import type { Config, NOTIFY_EVENTS } from '../config/schema.js';
import type { Logger } from '../log.js';
import { sleep } from '../util/abort.js';
import type { RunOutcome } from '../schedule/runs.js';

export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** What a document says besides the run: who sent it. */
export interface Sender {
  id: string;
  host: string;
  path: string;
  job?: string;
}

/** The notifications of one job. */
export class Notifier {
  #failing = false; // the last tick failed: the next success is a recovery
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly opts: NonNullable<Config['notify']>,
    readonly sender: Sender,
    readonly log: Logger,
    readonly post: typeof fetch = fetch
  ) {}

  /** A tick's run started (Healthchecks' `/start`). */
  started(tick: string): void {
    if (this.opts.healthchecks) this.#send(`${this.opts.healthchecks}/start`, { tick, event: 'start' });
  }

  /** How a tick ended: the documents its events call for, and the Healthchecks ping. */
  ended(run: RunOutcome, about: { term?: number; token?: number } = {}): void {
    const events = eventsOf(run.outcome, this.#failing);
    if (run.outcome === 'success') this.#failing = false;
    else if (!['missed', 'skipped', 'suspended'].includes(run.outcome)) this.#failing = true;
    const doc = { ...this.sender, ...about, ...run, at: new Date().toISOString() };
    for (const event of events)
      if (this.opts.url && this.opts.on.includes(event)) this.#send(this.opts.url, { ...doc, event });
    const hc = this.opts.healthchecks;
    if (hc && run.outcome === 'success') this.#send(hc, { ...doc, event: 'success' });
    else if (hc && events.includes('failure')) this.#send(`${hc}/fail`, { ...doc, event: 'failure' });
  }

  /** Resolves once every queued delivery is done or given up (tests, shutdown). */
  idle(): Promise<void> {
    return this.#queue.then(() => {});
  }

  // One POST after the ones before it, tried `retries` more times a second apart; never rejects.
  #send(url: string, doc: Record<string, unknown>): void {
    const { timeout, retries } = this.opts;
    const body = JSON.stringify(doc);
    this.#queue = this.#queue.then(async () => {
      let why = '';
      for (let attempt = 0; attempt <= retries; attempt++) {
        if (attempt > 0) await sleep(1000);
        try {
          const headers = { 'content-type': 'application/json' };
          const res = await this.post(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeout) });
          await res.body?.cancel();
          if (res.ok) return;
          why = `HTTP ${res.status}`;
        } catch (err) {
          why = err instanceof Error ? err.message : String(err);
        }
      }
      this.log.warn('notification not delivered', { url: redact(url), event: doc.event, tick: doc.tick, error: why });
    });
  }
}

/** The events of a tick's outcome: a failure is `failure` (and `timed-out`), a success after one `recovery`. */
export function eventsOf(outcome: RunOutcome['outcome'], failing: boolean): NotifyEvent[] {
  switch (outcome) {
    case 'success':
      return failing ? ['success', 'recovery'] : ['success'];
    case 'timed-out':
      return ['failure', 'timed-out'];
    case 'missed':
    case 'skipped':
      return ['missed'];
    case 'suspended':
      return [];
    default:
      return ['failure'];
  }
}

// A URL's credentials and query (tokens) stay out of the log.
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(not a URL)';
  }
}
