// The problems a config text is refused with (as `c.yaml`), through every check `validate` applies.
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/yaml.js';
import { CONFIG_CHECKS } from '../../src/supervisor/checks.js';

/** The ConfigError's lines for `text`; fails the test when the text is accepted. */
export function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, 'c.yaml', env, CONFIG_CHECKS);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}
