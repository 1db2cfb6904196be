// Every transition of the supervisor in one table: the session loop and the modes report what happened (an
// event); `step` maps (state, event) to the next state and the reason the log gives. Nothing else decides a state.
import type { TermEnd } from '../recipes/end.js';
import { LEADING, type State } from './states.js';

/** What the session loop and the modes report. */
export type SupervisorEvent =
  | { type: 'dial'; first: boolean } // a new session is being opened
  | { type: 'connected'; sessionId: string } // a session is open (no state of its own)
  | { type: 'unreachable' } // no server answered: backing off
  | { type: 'redial' }
  | { type: 'session-ended' }
  | { type: 'campaign-failed' } // a ZooKeeper error while joining: the job tries again on the same session
  | { type: 'drained' } // an operator's marker keeps us out of the queue
  | { type: 'joined'; rejoin: boolean }
  | { type: 'won'; term: number; node: string; slot?: number }
  | { type: 'baton-wait'; holder: string; holderSession: string }
  | { type: 'child-started'; restart: boolean; childPgid: number; leashPid: number; token: number }
  | { type: 'tick-waiting'; tick: string; late: boolean }
  | {
      type: 'tick-started';
      tick: string;
      late: boolean;
      lateMs: number;
      childPgid: number;
      leashPid: number;
      token: number;
    }
  | { type: 'schedule-done' } // the schedule fires no more
  | { type: 'lease-fenced'; stopInMs: number } // the connection is lost: the child stops at the lease end
  | { type: 'lease-renewed' }
  | { type: 'start-refused'; why: StartRefusal } // the child may not start now: the term ends
  | { type: 'child-exited'; crashLoop: boolean } // by itself; the restart policy releases the term
  | { type: 'child-fenced' } // the leash stopped it at the lease end
  | { type: 'suspended'; by?: string } // an operator's marker: the leader keeps the term, no child runs
  | { type: 'resumed' }
  | { type: 'restart-delay' }
  | { type: 'restart' }
  | { type: 'term-ended'; end: TermEnd; shutdown: boolean; childPgid?: number }
  | { type: 'stepped-down' }
  | { type: 'once'; step: 'connecting' | 'candidate' | 'done' | 'stopped' }
  | { type: 'shutdown'; fatal: boolean }
  | { type: 'stopped' };

/** Why a child was not started although we lead. */
export type StartRefusal = 'preStart hook failed' | 'thin lease';

const THIN = 'lease too short to start the child (no recent answer from the zookeeper leader)';

const ONCE = { connecting: 'connecting', candidate: 'candidate', done: 'shutting-down', stopped: 'stopped' } as const;

type Of<T extends SupervisorEvent['type']> = Extract<SupervisorEvent, { type: T }>;
/** Where an event leads (undefined: it changes nothing in this state) and the reason logged. */
type Rule<T extends SupervisorEvent['type']> = (e: Of<T>, from: State) => [State, string] | undefined;

const RULES: { [T in SupervisorEvent['type']]: Rule<T> } = {
  dial: (e) => ['connecting', e.first ? 'start' : 'new session'],
  connected: () => undefined,
  unreachable: () => ['backoff', 'zookeeper unreachable'],
  redial: () => ['connecting', 'retry'],
  'session-ended': () => ['backoff', 'session ended'],
  'campaign-failed': () => ['backoff', 'campaign failed'],
  drained: () => ['drained', 'drained by an operator'],
  joined: (e) => ['candidate', e.rejoin ? 'rejoin' : 'joined'],
  won: () => ['starting', 'won election'],
  'baton-wait': () => ['waiting-for-baton', 'a previous term may still run its child'],
  'child-started': (e) => ['running', e.restart ? 'restarted' : 'child started'],
  'tick-waiting': (e) => ['waiting', e.late ? 'late tick (catchUp: last)' : 'next tick'],
  'tick-started': (e) => ['running', e.late ? 'late tick started' : 'tick started'],
  'schedule-done': () => ['waiting', 'the schedule fires no more'],
  'lease-fenced': (_, from) => (from === 'running' ? ['fenced', 'zookeeper connection lost'] : undefined),
  'lease-renewed': (_, from) => (from === 'fenced' ? ['running', 'lease renewed'] : undefined),
  'start-refused': (e) => ['stopping', e.why === 'thin lease' ? THIN : e.why],
  'child-exited': (e) => ['stopping', e.crashLoop ? 'crash loop' : 'child exited'],
  'child-fenced': () => ['stopping', 'lease expired (child stopped by the leash)'],
  suspended: () => ['waiting', 'suspended by an operator'],
  resumed: () => ['starting', 'resumed by an operator'],
  'restart-delay': () => ['backoff', 'restart delay'],
  restart: () => ['starting', 'restart'],
  // only while leading: a campaign that ends before it won has no term to end
  'term-ended': (e, from) =>
    LEADING.includes(from) ? [e.shutdown ? 'shutting-down' : 'stopping', e.end.message] : undefined,
  'stepped-down': () => ['backoff', 'stepped down'],
  once: (e) => [ONCE[e.step], e.step === 'done' || e.step === 'stopped' ? 'once done' : 'once'],
  shutdown: (e) => ['shutting-down', e.fatal ? 'not allowed' : 'signal'],
  stopped: () => ['stopped', 'shutdown complete'],
};

/** The next state and its reason for `e` in state `from`; undefined when `e` changes nothing there. */
export function step(from: State, e: SupervisorEvent): { to: State; reason: string } | undefined {
  const next = (RULES[e.type] as Rule<typeof e.type>)(e as never, from);
  if (!next || next[0] === from) return undefined;
  return { to: next[0], reason: next[1] };
}

/** What an event carries that its state-change line does not log: it is in the line's `reason` already. */
const UNLOGGED = new Set(['type', 'first', 'rejoin', 'restart', 'late', 'why', 'crashLoop', 'shutdown', 'step']);

/** The log fields an event adds to its state-change line: its own, a term's end by kind. */
export function fieldsOf(e: SupervisorEvent): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (!UNLOGGED.has(k) && v !== undefined) fields[k] = k === 'end' ? (v as TermEnd).kind : v;
  }
  return fields;
}
