import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../src/log.js';

const capture = (opts: Parameters<typeof createLogger>[0]) => {
  const lines: string[] = [];
  const log = createLogger({ ...opts, write: (l) => lines.push(l) });
  return { log, lines };
};

test('text lines: timestamp, padded level, message, then the default fields and the entry fields', () => {
  const { log, lines } = capture({ format: 'text', fields: { id: 'h1' } });
  log.info('state change', { from: 'idle', reason: 'won election', n: 3, obj: { x: 1 }, gone: undefined });
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info {2}state change id=h1 from=idle /);
  assert.ok(lines[0]!.endsWith(' reason="won election" n=3 obj={"x":1}\n'), lines[0]);
});

test('json lines: one object per line with sorted keys; an entry field overrides a default one', () => {
  const { log, lines } = capture({ format: 'json', fields: { id: 'h1' } });
  log.warn('with id', { id: 'other', big: 10n, err: new Error('boom') });
  const line = lines[0]!;
  assert.ok(line.endsWith('}\n'));
  const o = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(Object.keys(o), ['big', 'err', 'id', 'level', 'message', 'timestamp']);
  assert.deepEqual([o.big, o.err, o.id, o.level, o.message], ['10', 'boom', 'other', 'warn', 'with id']);
});

test('a cycle does not throw', () => {
  const { log, lines } = capture({ format: 'json' });
  const a: Record<string, unknown> = {};
  a.self = a;
  log.error('cyclic', { a });
  assert.equal((JSON.parse(lines[0]!) as { a: { self: string } }).a.self, '[Circular]');
});

test('the level filters, can be changed at run time, and an unknown one is refused', () => {
  const { log, lines } = capture({ format: 'text', level: 'warn' });
  log.info('dropped');
  log.debug('dropped');
  log.warn('kept');
  log.level = 'debug';
  log.debug('kept too');
  assert.equal(log.level, 'debug');
  assert.deepEqual(
    lines.map((l) => l.slice(25).trim()),
    ['warn  kept', 'debug kept too']
  );
  assert.throws(() => createLogger({ level: 'verbose' }), /unknown log level 'verbose'/);
});

test('journal: every line starts with its sd-daemon priority; the line after it is unchanged', () => {
  const lines: string[] = [];
  const log = createLogger({ format: 'json', level: 'debug', journal: true, write: (l) => lines.push(l) });
  log.error('e');
  log.warn('w');
  log.info('i');
  log.debug('d');
  assert.deepEqual(
    lines.map((l) => l.slice(0, 3)),
    ['<3>', '<4>', '<6>', '<7>']
  );
  assert.equal(JSON.parse(lines[2]!.slice(3)).message, 'i');
});

test('journal: the prefix is on only when JOURNAL_STREAM names the stderr the process has', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zks-journal-'));
  try {
    const file = join(dir, 'err');
    const run = (env: Record<string, string>) => {
      const fd = openSync(file, 'w');
      const st = fstatSync(fd, { bigint: true });
      const script = `import { createLogger } from ${JSON.stringify(resolve('src/log.ts'))}; createLogger({ format: 'json' }).warn('x');`;
      const stream = env.JOURNAL_STREAM === 'self' ? { JOURNAL_STREAM: `${st.dev}:${st.ino}` } : env;
      spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'ignore', fd],
        env: { ...process.env, JOURNAL_STREAM: '', ...stream },
      });
      closeSync(fd);
      return readFileSync(file, 'utf8');
    };
    assert.match(run({ JOURNAL_STREAM: 'self' }), /^<4>\{/);
    assert.match(run({ JOURNAL_STREAM: '8:12345' }), /^\{/, 'another stream (stderr redirected by the unit)');
    assert.match(run({}), /^\{/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
