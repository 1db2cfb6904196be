// The SRE kit (contrib/): the Grafana dashboard and the alerting rules name only metrics the code exports, and
// every file parses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(resolve(root, f), 'utf8');
// What src/cli/metrics.ts registers: every `zk_supervisor_…` name written there.
const sources = read('src/cli/metrics.ts') + read('src/cli/run-metrics.ts');
const exported = new Set([...sources.matchAll(/'(zk_supervisor_\w+)'/g)].map((m) => m[1]!));
const namesIn = (text: string) =>
  [...new Set([...text.matchAll(/zk_supervisor_\w+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')))].sort();

test('contrib: the metrics file names at least the leader, lease and run series', () => {
  for (const n of ['zk_supervisor_leader', 'zk_supervisor_lease_remaining_seconds', 'zk_supervisor_runs_total'])
    assert.ok(exported.has(n), n);
});

test('contrib: the alerting rules parse and name only exported metrics', () => {
  const text = read('contrib/prometheus/alerts.yaml');
  const rules = (parse(text) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
    (g) => g.rules
  );
  assert.ok(rules.length >= 8, `${rules.length} rules`);
  for (const r of rules) assert.ok(r.alert && r.expr, `a rule without alert or expr: ${JSON.stringify(r)}`);
  const names = namesIn(rules.map((r) => r.expr).join('\n'));
  assert.deepEqual(
    names.filter((n) => !exported.has(n)),
    [],
    'metrics the code does not export'
  );
  for (const n of ['zk_supervisor_leader', 'zk_supervisor_runs_total', 'zk_supervisor_last_success_timestamp_seconds'])
    assert.ok(names.includes(n), `no rule on ${n}`);
});

test('contrib: the Grafana dashboard parses and its queries name only exported metrics', () => {
  const dash = JSON.parse(read('contrib/grafana/zk-supervisor.json')) as { panels: { targets: { expr: string }[] }[] };
  const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
  assert.ok(exprs.length >= 8);
  const names = namesIn(exprs.join('\n'));
  assert.deepEqual(
    names.filter((n) => !exported.has(n)),
    [],
    'metrics the code does not export'
  );
});
