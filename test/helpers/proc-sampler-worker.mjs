// Worker thread of ProcSampler (proc-sampler.ts): reads /proc every `intervalMs` in a synchronous loop (so the
// test's event loop cannot delay a sample) and keeps the lifetime of every process whose environment holds
// ZKS_TEST_TAG=<tag>, for each tag a sampler has started. One worker serves the whole process, for its whole
// life: a worker terminated while V8 still compiles its hot loop in the background can abort the process
// (NodePlatform::ForIsolate assertion, seen once in 170 chaos trials with one worker per trial).
// Plain JavaScript so that it runs without a TypeScript loader.
import { readFileSync, readdirSync } from 'node:fs';
import { receiveMessageOnPort, workerData } from 'node:worker_threads';

const { intervalMs, port } = workerData;
const tick = new Int32Array(new SharedArrayBuffer(4));
/** pid → false (not ours), first sight of an untagged process (ns), or the life of a tagged process */
const known = new Map();
/** tag → the lives of its processes, for every tag being sampled */
const sessions = new Map();
const now = () => process.hrtime.bigint();

// Exec start times in /proc/<pid>/stat count clock ticks (100 Hz) since boot (CLOCK_BOOTTIME); /proc/uptime
// is on the same clock: the offset maps them onto CLOCK_MONOTONIC (hrtime), to ±10 ms.
const uptimeNs = () => BigInt(Math.round(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1e9));
const bootOffsetNs = uptimeNs() - now();

function readEnv(pid) {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
}

function readStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    return {
      comm: s.slice(s.indexOf('(') + 1, close),
      state: f[0],
      ppid: Number(f[1]),
      pgid: Number(f[2]),
      sid: Number(f[3]),
      startTicks: Number(f[19]),
    };
  } catch {
    return undefined;
  }
}

function envVar(env, name) {
  const i = env.indexOf(`\0${name}=`);
  if (i < 0) return env.startsWith(`${name}=`) ? env.slice(name.length + 1, env.indexOf('\0')) : undefined;
  const from = i + name.length + 2;
  const to = env.indexOf('\0', from);
  return env.slice(from, to < 0 ? undefined : to);
}

function argvOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ').slice(0, 200);
  } catch {
    return '';
  }
}

// A tagged process is part of the job once its environment has the term's token, which only the leash's
// exec of the command puts there (the leash itself and its forks do not have it). Hooks get the token too, and
// ZK_SUPERVISOR_HOOK: they are not the job.
function classify(life, env) {
  const token = envVar(env, 'ZK_SUPERVISOR_TOKEN');
  if (token === undefined || life.job || envVar(env, 'ZK_SUPERVISOR_HOOK') !== undefined) return;
  life.job = true;
  life.token = token;
  life.term = envVar(env, 'ZK_SUPERVISOR_TERM') ?? '';
  life.tick = envVar(env, 'ZK_SUPERVISOR_TICK') ?? '';
  life.path = envVar(env, 'ZK_SUPERVISOR_PATH') ?? '';
  life.slot = envVar(env, 'ZK_SUPERVISOR_SLOT') ?? '';
  life.argv = argvOf(life.pid);
}

function sample() {
  const t = now();
  let names;
  try {
    names = readdirSync('/proc');
  } catch {
    return;
  }
  const present = new Set();
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    present.add(pid);
    let life = known.get(pid);
    if (life === false) continue;
    if (life === undefined || typeof life === 'bigint') {
      const env = readEnv(pid);
      if (env === undefined) continue; // gone, or not readable yet
      const tag = envVar(env, 'ZKS_TEST_TAG');
      if (tag === undefined || !sessions.has(tag)) {
        // A process gains the tag only by exec: a fork of an untagged parent (our test process spawning a
        // supervisor) execs within a few ms. Look again for 50 ms, then never.
        if (life === undefined) known.set(pid, t);
        else if (t - life > 50_000_000n) known.set(pid, false);
        continue;
      }
      const st = readStat(pid);
      if (!st) continue;
      life = {
        tag,
        pid,
        ppid: st.ppid,
        pgid: st.pgid,
        sid: st.sid,
        comm: st.comm,
        host: envVar(env, 'ZKS_TEST_HOST') ?? '?',
        job: false,
        token: '',
        term: '',
        tick: '',
        path: '',
        slot: '',
        argv: '',
        forkedAtNs: String(BigInt(st.startTicks) * 10_000_000n - bootOffsetNs),
        firstSeenNs: t,
        lastSeenNs: t,
        segments: [],
        goneNs: undefined,
        running: false,
      };
      known.set(pid, life);
      sessions.get(tag).push(life);
      classify(life, env);
    } else if (!life.job) {
      const env = readEnv(pid); // a fork of the leash becomes the job when it execs the command
      if (env) classify(life, env);
    }
    const st = readStat(pid);
    if (!st || st.state === 'Z' || st.state === 'X') {
      gone(pid, life, t);
      continue;
    }
    life.lastSeenNs = t;
    if (life.job && st.comm !== life.comm) life.argv = argvOf(pid); // it exec'd
    life.comm = st.comm;
    life.sid = st.sid;
    life.pgid = st.pgid;
    life.ppid = st.ppid;
    // Stopped (SIGSTOP) processes are alive but do not run: segments hold the sampled running time.
    const running = st.state !== 'T' && st.state !== 't';
    if (running && life.running) life.segments.at(-1)[1] = t;
    else if (running) life.segments.push([t, t]);
    life.running = running;
  }
  for (const [pid, life] of known) {
    if (!present.has(pid)) {
      known.delete(pid);
      if (life && typeof life === 'object') gone(pid, life, t);
    }
  }
}

function gone(pid, life, t) {
  if (life.goneNs === undefined) life.goneNs = t;
  life.running = false;
  known.set(pid, false);
}

const report = (lives) =>
  lives.map(({ tag: _tag, ...l }) => ({
    ...l,
    firstSeenNs: String(l.firstSeenNs),
    lastSeenNs: String(l.lastSeenNs),
    goneNs: l.goneNs === undefined ? undefined : String(l.goneNs),
    segments: l.segments.map(([a, b]) => [String(a), String(b)]),
  }));

// Messages: { kind: 'start' | 'snapshot' | 'alive' | 'stop', tag }; each is answered with { kind, tag, lives }
// after a fresh sample ('alive': only the lives not gone). Untagged processes seen before a start are looked at again (they may carry the new tag).
for (;;) {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const { kind, tag } = m.message;
    if (kind === 'start') {
      sessions.set(tag, []);
      for (const [pid, life] of known) if (life === false || typeof life === 'bigint') known.delete(pid);
    }
    sample();
    const lives = sessions.get(tag) ?? [];
    port.postMessage({
      kind,
      tag,
      lives: report(kind === 'alive' ? lives.filter((l) => l.goneNs === undefined) : lives),
    });
    if (kind === 'stop') {
      sessions.delete(tag);
      for (const [pid, life] of known) if (life && typeof life === 'object' && life.tag === tag) known.set(pid, false);
    }
  }
  Atomics.wait(tick, 0, 0, sessions.size ? intervalMs : 20); // idle: only listen
  if (sessions.size) sample();
}
