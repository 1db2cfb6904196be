// Hooks: one that cannot start fails alone; the hooks queued after it still run, in order.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/log.js';
import { Hooks } from '../../../src/supervisor/hooks.js';

test('hooks: a hook that fails to start (execa does not load) does not stop the hooks after it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zks-hooks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  const text =
    'zookeeper:\n  connect: 127.0.0.1:2181\nelection:\n  path: /e\ntask:\n  command: "true"\n' +
    `hooks:\n  onLeader: "echo leader >> ${out}"\n  onStepDown: "echo down >> ${out}"\n` +
    `  preStart: "echo pre >> ${out}"\n`;
  const { config } = parseConfig(text, 'c.yaml', {});
  let loads = 0;
  const load = () => (loads++ === 0 ? Promise.reject(new Error('cannot load execa')) : import('execa'));
  const hooks = new Hooks(config, createLogger({ level: 'error' }), load);
  hooks.fire('onLeader', { reason: 'won election' }); // fails: its load rejects
  assert.equal(await hooks.gate('preStart', { reason: 'won election' }), true);
  hooks.fire('onStepDown', { reason: 'released' });
  await hooks.idle();
  assert.equal(readFileSync(out, 'utf8'), 'pre\ndown\n');
});
