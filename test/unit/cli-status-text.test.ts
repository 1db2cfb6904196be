// `status` shows node data, which anyone may have written: control characters are shown escaped, never sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { statusText } from '../../src/cli/status-text.js';
import type { Status } from '../../src/cli/status.js';

test('status text: an escape sequence in node data is printed as \\x1b…, not as a control character', () => {
  const { config } = parseConfig(
    'zookeeper:\n  connect: "127.0.0.1:2181"\nelection:\n  path: /e\ntask:\n  command: "true"\n',
    'c.yaml',
    {}
  );
  const s: Status = {
    session: { requestedTimeoutMs: 10_000, grantedTimeoutMs: 10_000, leaseCoversStopTimeout: true },
    leader: null,
    candidates: [{ node: '/e/candidates/x', id: 'evil\u001b]0;owned\u0007' }],
    pidNodes: [{ node: '/e/pids/a', data: 'clear\u001b[2J\u009b' }],
    drained: [],
  };
  const text = statusText(s, config);
  const control = new RegExp('[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f]');
  assert.doesNotMatch(text, control, 'a control character reached the terminal');
  assert.match(text, /evil\\x1b\]0;owned\\x07/);
  assert.match(text, /clear\\x1b\[2J\\x9b/);
});
