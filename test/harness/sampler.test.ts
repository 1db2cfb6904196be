// Self-test of the process sampler: a check that cannot see a 10 ms life or an escaped process proves nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { ProcSampler, aliveJobs, newTag, procOverlaps, sweepTag, taggedPids } from '../helpers/proc-sampler.js';
import { waitFor } from '../helpers/wait.js';

/** Runs `fn` with a fresh tag and a sampler on it; then stops the sampler and sweeps the tag, whatever happened. */
async function sampling(fn: (tag: string, sampler: ProcSampler) => Promise<void>): Promise<void> {
  const tag = newTag();
  const sampler = await ProcSampler.start(tag);
  try {
    await fn(tag, sampler);
  } finally {
    await sampler.stop();
    await sweepTag(tag);
  }
}

/** Runs `script` in bash with the tag (and, for a job, a term token) in its environment. */
function run(tag: string, host: string, script: string, job = true) {
  const env = {
    ...process.env,
    ZKS_TEST_TAG: tag,
    ZKS_TEST_HOST: host,
    ...(job ? { ZK_SUPERVISOR_TOKEN: '7', ZK_SUPERVISOR_TERM: host } : {}),
  };
  const p = spawn('/bin/bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  return { proc: p, exited: new Promise<void>((r) => p.once('exit', () => r())) };
}

test('sampler: sees a process that lives 10 ms, with its fork time, never outside its life', () =>
  sampling(async (tag, sampler) => {
    // Each life lies inside the window from just before the spawn to its exit event: what the sampler saw must
    // too (on a loaded machine `sleep 0.01` lives longer than 10 ms: its window, not a fixed bound, is the limit).
    const windows = new Map<number, { from: bigint; to: bigint }>();
    for (let i = 0; i < 5; i++) {
      const from = process.hrtime.bigint();
      // exec: the process that lives 10 ms is the tagged one, not a shell around it
      const r = run(tag, 'h', 'exec sleep 0.01');
      await r.exited;
      windows.set(r.proc.pid!, { from, to: process.hrtime.bigint() });
    }
    const lives = (await sampler.stop()).filter((l) => l.job && l.comm === 'sleep');
    assert.equal(lives.length, 5, `saw ${lives.length} of 5 sleep 0.01 processes`);
    for (const l of lives) {
      const w = windows.get(l.pid);
      assert.ok(w, `pid ${l.pid} is one of ours`);
      assert.ok(l.goneNs !== undefined, 'gone');
      const ms = (ns: bigint) => Number(ns) / 1e6;
      assert.ok(
        l.firstSeenNs >= w.from && l.lastSeenNs <= w.to,
        `seen ${ms(l.firstSeenNs - w.from)}–${ms(l.lastSeenNs - w.from)} ms into a life of at most ${ms(w.to - w.from)} ms`
      );
      assert.ok(Math.abs(ms(l.firstSeenNs - l.forkedAtNs)) < 60, 'fork time within 60 ms of first sight');
    }
  }));

test('sampler: a grandchild that called setsid is seen and attributed to its host; the sweep kills it', () =>
  sampling(async (tag, sampler) => {
    // the grandchild leaves the session and the group; its parent exits at once (it is re-parented)
    const r = run(tag, 'host-a', 'setsid sleep 30 </dev/null >/dev/null 2>&1 & echo $!');
    let out = '';
    r.proc.stdout!.on('data', (d) => {
      out += d;
    });
    await r.exited;
    const pid = Number(out.trim());
    const lives = await waitFor(
      async () => (await sampler.snapshot()).find((l) => l.pid === pid && l.comm === 'sleep'),
      { timeoutMs: 2000, what: `the sampler seeing escaped pid ${pid}` }
    );
    assert.equal(lives.host, 'host-a');
    assert.equal(lives.job, true);
    assert.equal(lives.sid, pid, 'it leads its own session');
    assert.deepEqual(taggedPids({ tag }), [pid]);
    await sweepTag(tag);
    const after = (await sampler.stop()).find((l) => l.pid === pid)!;
    assert.ok(after.goneNs !== undefined, 'the sweep killed it');
  }));

test('sampler: two hosts alive at once are an overlap; one after the other are not; stopped time does not run', () =>
  sampling(async (tag, sampler) => {
    const a = run(tag, 'a', 'exec sleep 0.3');
    await waitFor(async () => aliveJobs(await sampler.snapshot(), 'a').length, {
      timeoutMs: 2000,
      what: 'host a running',
    });
    const b = run(tag, 'b', 'exec sleep 0.2');
    await Promise.all([a.exited, b.exited]);
    const c = run(tag, 'c', 'exec sleep 0.05');
    await c.exited;
    const stopped = run(tag, 'd', 'exec sleep 0.4');
    await waitFor(async () => aliveJobs(await sampler.snapshot(), 'd').length, {
      timeoutMs: 2000,
      what: 'host d running',
    });
    process.kill(stopped.proc.pid!, 'SIGSTOP');
    const e = run(tag, 'e', 'exec sleep 0.1');
    await e.exited;
    process.kill(stopped.proc.pid!, 'SIGCONT');
    await stopped.exited;
    const found = procOverlaps(await sampler.stop());
    assert.deepEqual(
      found.map((o) => [o.a, o.b].sort().join('+')),
      ['a#a+b#b'],
      JSON.stringify(found)
    );
    assert.ok(found[0]!.ms > 100 && found[0]!.ms < 260, `a and b overlapped ~200 ms, measured ${found[0]!.ms}`);
  }));

test('sampler: processes without the token (a supervisor, a leash) are not jobs', () =>
  sampling(async (tag, sampler) => {
    const r = run(tag, 'a', 'exec sleep 0.1', false);
    await r.exited;
    const lives = (await sampler.stop()).filter((l) => l.comm === 'sleep');
    assert.equal(lives.length, 1);
    assert.equal(lives[0]!.job, false);
  }));
