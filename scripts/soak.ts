// npm run soak -- [--minutes M] [--seed S] [--hosts N] [--jobs J] [--session MS] [--report FILE]: a randomized
// fault soak (test/soak/): a nemesis applies a seeded schedule of mixed, overlapping faults to supervisors on a
// 3-member ensemble; the checker judges overlaps, leaderless gaps and needless restarts from process lifetimes.
// Prints the report (and writes it to FILE); exits 1 on an overlap or a gap beyond T + 1 s, 2 on bad arguments.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { failed, report } from '../test/soak/report.js';
import { runSoak } from '../test/soak/run.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    hosts: { type: 'string', default: '3' },
    jobs: { type: 'string', default: '1' },
    session: { type: 'string', default: '2000' },
    report: { type: 'string' },
  },
});
const num = (name: keyof typeof values, min: number, max: number) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`soak: --${name} ${values[name]}: want a number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
};
const opts = {
  minutes: num('minutes', 0.1, 24 * 60),
  seed: Math.trunc(num('seed', 0, 2 ** 32 - 1)),
  hosts: Math.trunc(num('hosts', 2, 5)),
  jobs: Math.trunc(num('jobs', 1, 20)),
  sessionMs: Math.trunc(num('session', 1000, 30_000)),
};
// SIGINT/SIGTERM end every process of the soak and remove its files (test/helpers/reaper.ts); nothing is judged
const result = await runSoak({ ...opts, progress: (l) => console.error(`soak: ${l}`) });
const text = report(result);
if (values.report) writeFileSync(values.report, text);
console.log(text);
process.exit(failed(result) ? 1 : 0);
