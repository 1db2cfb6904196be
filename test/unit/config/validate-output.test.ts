// What `validate` prints can be fed back (#26.7): durations as the loader reads them ("10s", not 10000).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { loadJobs } from '../../../src/config/jobs.js';
import { parseConfig } from '../../../src/config/load.js';
import { formatDuration, redactedConfig } from '../../../src/config/redact.js';

const CONFIG_DIR = join(import.meta.dirname, '../../../config');

test('validate output: every shipped example, printed, loads again to the same config', () => {
  const env = { ZK_SUPERVISOR_DIGEST: 'ops:secret' } as NodeJS.ProcessEnv;
  for (const f of readdirSync(CONFIG_DIR).filter((n) => n.endsWith('.yaml'))) {
    // each job of a daemon's file is printed as a full config (one document per job)
    for (const loaded of loadJobs(join(CONFIG_DIR, f), env, []).jobs) {
      const printed = stringify(redactedConfig(loaded));
      assert.match(printed, /sessionTimeout: \d+(ms|s|m|h)\n/, f);
      const again = parseConfig(printed, f, env).config;
      const { election: _a, zookeeper: za, ...rest } = loaded.config;
      const { election: _b, zookeeper: zb, ...restAgain } = again;
      assert.deepEqual({ ...restAgain, auth: undefined }, { ...rest, auth: undefined }, f);
      assert.equal(zb.sessionTimeout, za.sessionTimeout, f);
      assert.equal(zb.connectTimeout, za.connectTimeout, f);
    }
  }
});

test('validate output: a duration in the largest whole unit', () => {
  assert.deepEqual([90_000, 120_000, 3_600_000, 250, 1500, 0].map(formatDuration), [
    '90s',
    '2m',
    '1h',
    '250ms',
    '1500ms',
    '0ms',
  ]);
});
