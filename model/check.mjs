#!/usr/bin/env node
// Checks the protocol model (model/supervisor.pml) with SPIN: the protocol as it is must hold in every reachable
// state (full search, no error), and each variant with one rule of DESIGN §3 removed must produce a
// counterexample — the model can fail. Prints a table (states, depth, seconds) and each variant's trail in words.
// Usage: node model/check.mjs [--faults N] [--only NAME[,NAME…]] [--json]. Exit 0: as expected; 1: not; 2: no spin.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The protocol, then each rule removed (a -D flag of the model) and what that rule is. `bfs`: searched breadth
 * first, for the shortest trail (the others' counterexamples lie too deep for it; depth first finds them fast).
 */
export const CASES = [
  { name: 'protocol', flag: undefined, rule: 'every rule in place: no state has two jobs alive' },
  { name: 'no-sync', flag: 'NO_SYNC', rule: 'the lease moves on any answer, not only on a sync the leader answered' },
  { name: 'no-delivery', flag: 'NO_DELIVERY', rule: 'the lease counts a heartbeat as soon as it is answered' },
  { name: 'no-baton', flag: 'NO_BATON', bfs: true, rule: 'a new leader starts without waiting for the previous term to end' },
  { name: 'no-confirm', flag: 'NO_CONFIRM', bfs: true, rule: 'the leash reports "stopped" once the job has exited' },
  { name: 'no-thin', flag: 'NO_THIN', rule: 'a job may start on a lease too short for its stop' },
  { name: 'no-unconfirmed', flag: 'NO_UNCONFIRMED', bfs: true, rule: 'no wait when the baton was deleted by hand' },
  {
    name: 'announce-after',
    flag: 'ANNOUNCE_AFTER',
    bfs: true,
    rule: 'the leader node names the term only after its job started (as up to 0.1.0)',
  },
];

const here = dirname(fileURLToPath(import.meta.url));

/** Runs one case in `dir`: generate, compile, search; the trail in words when an error was found. */
export function check(c, { faults = 2, dir }) {
  const defs = [`-DFAULTS=${faults}`, ...(c.flag ? [`-D${c.flag}`] : [])];
  execFileSync('spin', [...defs, '-a', 'supervisor.pml'], { cwd: dir, stdio: 'pipe' });
  // SAFETY: assertions only; the model has no end states to check (-E).
  const search = c.bfs ? ['-DBFS'] : [];
  execFileSync('cc', ['-O2', '-DSAFETY', ...search, '-DNOBOUNDCHECK', '-DMEMLIM=16000', '-o', 'pan', 'pan.c'], {
    cwd: dir,
    stdio: 'pipe',
  });
  const started = performance.now();
  const run = spawnSync('./pan', ['-m10000000', '-E', c.bfs ? '-w24' : '-w27'], { cwd: dir, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  const out = run.stdout ?? '';
  const num = (re) => Number(out.match(re)?.[1] ?? Number.NaN);
  const result = {
    name: c.name,
    rule: c.rule,
    faults,
    errors: num(/errors: (\d+)/),
    states: num(/([\d.e+]+) states, stored/),
    depth: num(/depth reached (\d+)/),
    seconds: Math.round(seconds * 10) / 10,
    complete: !/max search depth too small|Search not completed/.test(out),
    trail: [],
  };
  if (result.errors > 0) {
    const replay = spawnSync('spin', ['-t', ...defs, 'supervisor.pml'], { cwd: dir, encoding: 'utf8' });
    let t = 0; // the clock prints "tick" once per unit
    for (const line of (replay.stdout ?? '').split('\n').map((l) => l.trim().replace(/\s+/g, ' '))) {
      if (line === 'tick') t++;
      else if (/^(host \d:|OVERLAP)/.test(line)) result.trail.push(`t=${t} ${line}`);
    }
  }
  return result;
}

/** True when a result is what its case must give: no error and a full search, or a counterexample. */
export const asExpected = (r) =>
  r.name === 'protocol' ? r.errors === 0 && r.complete : r.errors > 0 && r.trail.some((l) => l.includes('OVERLAP'));

function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (spawnSync('spin', ['-V'], { stdio: 'ignore' }).error) {
    console.error('model: spin is not installed (Debian package spin; scripts/setup.sh installs it)');
    return 2;
  }
  const faults = Number(arg('--faults') ?? 2);
  const only = arg('--only')?.split(',');
  const cases = CASES.filter((c) => !only || only.includes(c.name));
  const dir = mkdtempSync(join(tmpdir(), 'zks-model-'));
  const results = [];
  try {
    copyFileSync(join(here, 'supervisor.pml'), join(dir, 'supervisor.pml'));
    for (const c of cases) results.push(check(c, { faults, dir }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (argv.includes('--json')) console.log(JSON.stringify(results));
  else {
    console.log(`| case | rule | faults | errors | states | depth | s | as expected |\n|---|---|---|---|---|---|---|---|`);
    for (const r of results) {
      const cells = [r.name, r.rule, r.faults, r.errors, r.states, r.depth, r.seconds, asExpected(r) ? 'yes' : 'NO'];
      console.log(`| ${cells.join(' | ')} |`);
    }
    for (const r of results.filter((x) => x.trail.length)) console.log(`\n${r.name}:\n  ${r.trail.join('\n  ')}`);
  }
  return results.every(asExpected) ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
