// The config reference: every key described, and docs/config.md is what the generator makes (#26.8).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { configReference } from '../../../scripts/config-reference.js';
import { DESCRIPTIONS } from '../../../src/config/descriptions.js';
import { configKeys } from '../../../src/config/json-schema.js';

test('config reference: every key has a description, and every description a key', () => {
  const keys = configKeys().map((k) => k.path);
  assert.deepEqual(
    keys.filter((k) => !DESCRIPTIONS[k]),
    [],
    'keys without a description (src/config/descriptions.ts)'
  );
  assert.deepEqual(
    Object.keys(DESCRIPTIONS).filter((k) => !keys.includes(k)),
    [],
    'descriptions of keys that do not exist'
  );
});

test('config reference: docs/config.md is generated from the validator', () => {
  const committed = readFileSync(join(import.meta.dirname, '../../../docs/config.md'), 'utf8');
  assert.equal(committed, configReference(), 'run: node --import tsx scripts/config-reference.ts > docs/config.md');
});
