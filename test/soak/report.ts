// The soak's report (Markdown): the run, faults by kind, the verdict, and a timeline around anything found.
import { runOf, type ProcLife } from '../helpers/proc-sampler.js';
import { maxNs, minNs } from './checker.js';
import { FAULT_KINDS } from './schedule.js';
import type { SoakResult } from './run.js';

const sec = (ns: bigint, startNs: bigint) => (Number(ns - startNs) / 1e9).toFixed(3);

/** Whether the soak found anything that fails it: an overlap, or a leaderless gap beyond T + 1 s. */
export const failed = (r: SoakResult): boolean => r.verdict.overlaps.length > 0 || r.verdict.gaps.length > 0;

/** The report of `r`. */
export function report(r: SoakResult): string {
  const { opts, verdict: v } = r;
  const applied = new Map<string, number>();
  for (const a of r.applied) applied.set(a.kind, (applied.get(a.kind) ?? 0) + 1);
  const skipped = new Map<string, number>();
  for (const s of r.skipped)
    skipped.set(`${s.fault.kind}: ${s.why}`, (skipped.get(`${s.fault.kind}: ${s.why}`) ?? 0) + 1);
  const out = [
    `# Soak: seed ${opts.seed}, ${opts.minutes} min, ${opts.hosts} hosts × ${opts.jobs} job(s), T = ${opts.sessionMs} ms`,
    '',
    `Children per host: ${r.children.map((c, i) => `h${i} ${c}`).join(', ')}.`,
    `Judged span: ${(Number(r.endNs - r.startNs) / 1e9).toFixed(0)} s; ${r.jobRuns} runs of a job's child.`,
    '',
    `| verdict | |`,
    '|---|---|',
    `| faults injected | ${r.applied.length} |`,
    `| overlaps (process lifetimes) | ${v.overlaps.length} |`,
    `| overlaps tolerated (a job resumed from a whole-host freeze, ≤ 100 ms; DESIGN §3.4) | ${v.tolerated.length}${
      v.tolerated.length ? `, longest ${Math.max(...v.tolerated.map((o) => o.ms)).toFixed(0)} ms` : ''
    } |`,
    `| longest overlap of the children's own lines (ms) | ${r.selfMaxMs.toFixed(0)} |`,
    `| leaderless gaps longer than T + 1 s after faults stopped | ${v.gaps.length} |`,
    `| worst leaderless time after faults stopped (ms) | ${v.worstGapMs.toFixed(0)} |`,
    `| children stopped with no fault near (needless restarts) | ${v.needless.length} |`,
    `| nemesis troubles | ${r.troubles.length} |`,
    '',
    '| fault | injected |',
    '|---|---|',
    ...FAULT_KINDS.map((k) => `| ${k} | ${applied.get(k) ?? 0} |`),
  ];
  if (skipped.size)
    out.push('', '| skipped | times |', '|---|---|', ...[...skipped].map(([k, n]) => `| ${k} | ${n} |`));
  for (const o of v.overlaps.slice(0, 10)) {
    const lives = r.lives.filter((l) => l.job && (runOf(l) === o.a || runOf(l) === o.b));
    out.push('', `## Overlap ${o.a} & ${o.b}: ${o.ms.toFixed(1)} ms`, '', ...timeline(r, lives));
  }
  for (const g of v.gaps.slice(0, 10)) {
    out.push('', `## Leaderless ${g.path}: ${g.afterFaultsMs.toFixed(0)} ms after faults stopped`, '');
    out.push(...timeline(r, [], [g.fromNs, g.toNs]));
  }
  for (const n of v.needless.slice(0, 20)) out.push('', `- needless stop of ${n.run} at ${sec(n.atNs, r.startNs)} s`);
  if (r.troubles.length) out.push('', '## Nemesis troubles', '', ...r.troubles.slice(0, 50).map((t) => `- ${t}`));
  return `${out.join('\n')}\n`;
}

/** Faults and job lifetimes from 10 s before to 2 s after the span of `lives` (or `span`), in seconds. */
function timeline(r: SoakResult, lives: ProcLife[], span?: [bigint, bigint]): string[] {
  const from = span?.[0] ?? lives.reduce((m, l) => minNs(m, l.firstSeenNs), r.endNs);
  const to = span?.[1] ?? lives.reduce((m, l) => maxNs(m, l.goneNs ?? r.endNs), 0n);
  const lo = from - 10_000_000_000n;
  const hi = to + 2_000_000_000n;
  const rows: [bigint, string][] = [];
  for (const a of r.applied)
    if (a.toNs >= lo && a.fromNs <= hi)
      rows.push([a.fromNs, `fault ${a.kind} ${a.host} until ${sec(a.toNs, r.startNs)}`]);
  for (const l of r.lives.filter((x) => x.job && x.firstSeenNs <= hi && (x.goneNs ?? r.endNs) >= lo))
    rows.push([
      l.firstSeenNs,
      `job ${runOf(l)} pid ${l.pid} ${l.comm} until ${l.goneNs ? sec(l.goneNs, r.startNs) : 'end'}`,
    ]);
  rows.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return ['```', ...rows.map(([t, s]) => `${sec(t, r.startNs).padStart(9)}  ${s}`), '```'];
}
