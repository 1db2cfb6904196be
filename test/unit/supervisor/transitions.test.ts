// The transition table: every event leads where it should, guards hold, and no rule leads outside ALLOWED.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { TermEnd } from '../../../src/recipes/end.js';
import { ALLOWED, type State } from '../../../src/supervisor/states.js';
import { step, type SupervisorEvent } from '../../../src/supervisor/transitions.js';

const lost = new TermEnd('lease-expired', 'lease expired (no answer from the zookeeper leader)');

test('transitions: a term-ended event stops a leader, shuts it down, and means nothing to a candidate', () => {
  const e: SupervisorEvent = { type: 'term-ended', end: lost, shutdown: false };
  assert.deepEqual(step('running', e), { to: 'stopping', reason: lost.message });
  assert.deepEqual(step('waiting-for-baton', { ...e, shutdown: true }), { to: 'shutting-down', reason: lost.message });
  assert.equal(step('candidate', e), undefined);
  assert.equal(step('stopping', e), undefined);
});

test('transitions: lease events only move between running and fenced', () => {
  assert.equal(step('running', { type: 'lease-fenced', stopInMs: 100 })?.to, 'fenced');
  assert.equal(step('waiting', { type: 'lease-fenced', stopInMs: 100 }), undefined, 'no child: nothing to fence');
  assert.equal(step('fenced', { type: 'lease-renewed' })?.to, 'running');
  assert.equal(step('running', { type: 'lease-renewed' }), undefined);
});

test('transitions: every rule leads only where ALLOWED lets it, from every state', () => {
  const events: SupervisorEvent[] = [
    { type: 'dial', first: true },
    { type: 'connected', sessionId: '1' },
    { type: 'unreachable' },
    { type: 'redial' },
    { type: 'session-ended' },
    { type: 'drained' },
    { type: 'joined', rejoin: false },
    { type: 'won', term: 1, node: '/n' },
    { type: 'baton-wait', holder: '{}', holderSession: '2' },
    { type: 'child-started', restart: false, childPgid: 1, leashPid: 2, token: 1 },
    { type: 'tick-waiting', tick: 't', late: false },
    { type: 'tick-started', tick: 't', late: true, lateMs: 5, childPgid: 1, leashPid: 2, token: 1 },
    { type: 'schedule-done' },
    { type: 'lease-fenced', stopInMs: 1 },
    { type: 'lease-renewed' },
    { type: 'start-refused', why: 'thin lease' },
    { type: 'child-exited', crashLoop: true },
    { type: 'child-fenced' },
    { type: 'restart-delay' },
    { type: 'restart' },
    { type: 'suspended' },
    { type: 'resumed' },
    { type: 'term-ended', end: lost, shutdown: false },
    { type: 'stepped-down' },
    { type: 'campaign-failed' },
    { type: 'once', step: 'candidate' },
    { type: 'shutdown', fatal: false },
    { type: 'stopped' },
  ];
  // Each event, from the states the supervisor reports it in (as the code is written), stays within ALLOWED.
  const from: Record<SupervisorEvent['type'], State[]> = {
    dial: ['idle', 'backoff', 'connecting'],
    connected: ['connecting'],
    unreachable: ['connecting'],
    redial: ['backoff'],
    'session-ended': ['connecting', 'candidate', 'drained', 'stopping'],
    drained: ['connecting', 'backoff'],
    joined: ['connecting', 'backoff', 'drained'],
    won: ['candidate'],
    'baton-wait': ['starting'],
    'child-started': ['starting', 'waiting-for-baton'],
    'tick-waiting': ['starting', 'waiting-for-baton', 'running', 'waiting'],
    'tick-started': ['waiting', 'waiting-for-baton'],
    'schedule-done': ['starting', 'running', 'waiting'],
    'lease-fenced': ['running', 'waiting', 'starting'],
    'lease-renewed': ['fenced', 'running'],
    'start-refused': ['starting', 'waiting-for-baton', 'waiting'],
    'child-exited': ['running', 'fenced'],
    'child-fenced': ['running', 'fenced'],
    suspended: ['starting', 'waiting-for-baton', 'running', 'fenced'],
    resumed: ['waiting'],
    'restart-delay': ['stopping'],
    restart: ['backoff'],
    'term-ended': ['running', 'fenced', 'waiting', 'starting', 'waiting-for-baton', 'candidate'],
    'stepped-down': ['stopping', 'candidate'],
    'campaign-failed': ['connecting', 'drained', 'candidate', 'backoff'],
    once: ['connecting'],
    shutdown: ['backoff', 'stopping', 'connecting', 'candidate', 'drained', 'shutting-down'],
    stopped: ['shutting-down'],
  };
  for (const e of events) {
    for (const s of from[e.type]) {
      const next = step(s, e);
      if (next) assert.ok(ALLOWED[s].includes(next.to), `${e.type} from ${s} → ${next.to} is not allowed`);
    }
  }
});

test('transitions: step() in job.ts is the only caller of checkTransition, and nothing calls transition(', () => {
  const SRC = resolve(import.meta.dirname, '../../../src');
  const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  const callers = files.filter((f) => /checkTransition\(/.test(readFileSync(join(SRC, f), 'utf8')));
  assert.deepEqual(callers.sort(), ['supervisor/job.ts', 'supervisor/states.ts']);
  const legacy = files.filter((f) => /\.transition\(|\btransition\(/.test(readFileSync(join(SRC, f), 'utf8')));
  assert.deepEqual(legacy, []);
});
