// DESIGN §5: each layer imports only the ones below it, and no module imports itself back through others.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(import.meta.dirname, '../../src');
/** Lower number = lower layer. Files at the top of src/ (errors, log) are the bottom. */
const RANK: Record<string, number> = {
  '.': 0,
  util: 0,
  config: 1,
  zk: 2,
  schedule: 3,
  recipes: 3,
  task: 4,
  supervisor: 5,
  cli: 6,
};

const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
const importsOf = (file: string) =>
  [...readFileSync(join(SRC, file), 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) =>
    relative(SRC, resolve(dirname(join(SRC, file)), m[1]!)).replace(/\.js$/, '.ts')
  );
const layerOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : '.');

test('layers: no import points up a layer (index.ts, the library surface, may import anything)', () => {
  const up = files
    .filter((f) => f !== 'index.ts')
    .flatMap((f) =>
      importsOf(f)
        .filter((i) => RANK[layerOf(i)]! > RANK[layerOf(f)]!)
        .map((i) => `${f} → ${i}`)
    );
  for (const f of files) assert.ok(layerOf(f) in RANK, `${f}: a directory the layer table does not know`);
  assert.deepEqual(up, []);
});

test('layers: the import graph has no cycle', () => {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
      return;
    }
    state.set(f, 'open');
    for (const i of graph.get(f) ?? []) visit(i, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});

test('layers: no source file is longer than 250 lines (one concept per file)', () => {
  const lines = (f: string) => readFileSync(join(SRC, f), 'utf8').trimEnd().split('\n').length;
  const long = files.map((f) => [f, lines(f)] as const).filter(([, n]) => n > 250);
  assert.deepEqual(long, []);
});

test('layers: no source line is longer than 120 characters', () => {
  const long = files.flatMap((f) =>
    readFileSync(join(SRC, f), 'utf8')
      .split('\n')
      .flatMap((l, i) => (l.length > 120 ? [`${f}:${i + 1}`] : []))
  );
  assert.deepEqual(long, []);
});
