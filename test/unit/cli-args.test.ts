// Command-line mistakes get one line and exit 2 before anything runs (#26.7): typos, repeats, missing values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argsProblem } from '../../src/cli/args.js';

test('cli args: a mistyped option names the one it was probably meant to be', () => {
  assert.equal(argsProblem(['run', '--confg', 'x']), 'run: unknown option --confg: did you mean --config?');
  assert.equal(argsProblem(['once', '-c', 'x', '--bogus']), 'once: unknown option --bogus');
  assert.equal(argsProblem(['status', '-c', 'x', '--jsn']), 'status: unknown option --jsn: did you mean --json?');
});

test('cli args: an option given twice, or without its value, is refused', () => {
  assert.equal(argsProblem(['run', '--config', 'a', '--config', 'b']), 'run: --config given twice: give it once');
  assert.equal(argsProblem(['status', '-c', 'a', '--config=b']), 'status: --config given twice: give it once');
  assert.equal(argsProblem(['run', '--config']), 'run: --config needs a value (the YAML config file)');
  assert.equal(argsProblem(['run', '--config', '--id', 'x']), 'run: --config needs a value (the YAML config file)');
  assert.equal(argsProblem(['drain', '-c', 'a', '--id', '']), 'drain: --id needs a value');
  assert.equal(argsProblem(['drain', '-c', 'a', '--id=']), 'drain: --id needs a value');
});

test('cli args: resign --timeout without --wait is refused; good lines pass to yargs', () => {
  assert.match(argsProblem(['resign', '-c', 'a', '--timeout', '5s']) ?? '', /--timeout applies only with --wait/);
  for (const ok of [
    ['resign', '-c', 'a', '--wait', '--timeout', '5s'],
    ['once', '-c', 'a', '--wait', '30s', '--once-per', '1m'],
    ['validate', '--config=a', '--quiet'],
    ['status', '-c', 'a', '--json', '--watch'],
    ['run', '--help'],
    ['--version'],
    ['nosuchcommand'],
  ]) {
    assert.equal(argsProblem(ok), undefined, ok.join(' '));
  }
});

test('cli args: run --priority takes a whole number, negative too', () => {
  assert.equal(
    argsProblem(['run', '-c', 'a', '--priority', 'high']),
    'run: --priority must be a whole number (higher is preferred), got "high"'
  );
  assert.equal(
    argsProblem(['run', '-c', 'a', '--priority=1.5']),
    'run: --priority must be a whole number (higher is preferred), got "1.5"'
  );
  assert.equal(argsProblem(['run', '-c', 'a', '--priority', '-5']), undefined);
  assert.equal(argsProblem(['run', '-c', 'a', '--priority', '10']), undefined);
});

test('cli args: fence-check --token is a whole number; resign --slot a slot number', () => {
  assert.match(argsProblem(['fence-check', '-c', 'a', '--token', 'x1']) ?? '', /--token must be a fencing token/);
  assert.equal(argsProblem(['fence-check', '-c', 'a', '--token', '4294967296']), undefined);
  assert.match(argsProblem(['resign', '-c', 'a', '--slot', '-1']) ?? '', /--slot must be a slot number/);
  assert.equal(argsProblem(['resign', '-c', 'a', '--slot', '2']), undefined);
});
