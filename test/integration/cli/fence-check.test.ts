// fence-check against real supervisors: 0 for the running child's own token, 4 for an older term's or a made-up
// one, 3 once no term holds; with slots, either slot's token.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRuns } from '../../helpers/overlap.js';
import { BIN, type SupervisorProc, startElection, useSupervisors, writeConfig } from '../../helpers/supervisors.js';
import { waitFor, within } from '../../helpers/wait.js';

const { fx, work, procs } = useSupervisors();

const check = (config: string, token: string) =>
  spawnSync(process.execPath, [BIN, 'fence-check', '--config', config, '--token', token], { encoding: 'utf8' });

test('fence-check: exit 0 only for the token of the term that holds now', async () => {
  const childLog = join(work.dir, 'children.log');
  const config = writeConfig(work.dir, { connect: await fx.chroot(), path: '/jobs/fenced', childLog });
  const [a, b] = (await startElection(procs, { ids: ['a', 'b'], config, childLog })) as [
    SupervisorProc,
    SupervisorProc,
  ];
  const first = readRuns(childLog)[0]!.token;
  assert.equal(check(config, first).status, 0, 'the running child’s token is current');
  const made = check(config, String(BigInt(first) + 1n));
  assert.equal(made.status, 4);
  assert.match(made.stderr, new RegExp(`is not current: /jobs/fenced's term holds token ${first}`));

  a.signal('SIGTERM'); // hands over to b
  await waitFor(() => readRuns(childLog).length === 2, { timeoutMs: 10_000, what: "b's child running" });
  const second = readRuns(childLog)[1]!.token;
  assert.equal(check(config, first).status, 4, 'the old term’s token is fenced off');
  assert.equal(check(config, second).status, 0);

  b.signal('SIGTERM');
  assert.equal(await within(b.exited, 10_000, 'b exiting after SIGTERM'), 0);
  const none = check(config, second);
  assert.equal(none.status, 3, none.stderr);
  assert.equal(check(config, 'abc').status, 2, 'a token that is not a number is an argument error');
});
