import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PathError, basename, hasWildcard, join, match, parent, validatePath } from '../../../src/zk/paths.js';
import { bySequence, sequenceOf } from '../../../src/recipes/queue-lock.js';
import { ZkError, isZkError } from '../../../src/zk/errors.js';
import { PERM_DIRECTORY, PERM_FILE, isDirectory, worldAcl, digestId } from '../../../src/zk/acl.js';

// Go's path.Match test table (src/path/match_test.go), which the seed relied on.
const GO_TABLE: [string, string, boolean | 'bad'][] = [
  ['abc', 'abc', true],
  ['*', 'abc', true],
  ['*c', 'abc', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['a*', 'ab/c', false],
  ['a*/b', 'abc/b', true],
  ['a*/b', 'a/c/b', false],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false],
  ['ab[c]', 'abc', true],
  ['ab[b-d]', 'abc', true],
  ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false],
  ['ab[^b-d]', 'abc', false],
  ['ab[^e-g]', 'abc', true],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true],
  ['a[^a]b', 'a☺b', true],
  ['a???b', 'a☺b', false],
  ['a[^a][^a][^a]b', 'a☺b', false],
  ['[a-ζ]*', 'α', true],
  ['*[a-ζ]', 'A', false],
  ['a?b', 'a/b', false],
  ['a*b', 'a/b', false],
  ['[\\]a]', ']', true],
  ['[\\-]', '-', true],
  ['[x\\-]', 'x', true],
  ['[x\\-]', '-', true],
  ['[x\\-]', 'z', false],
  ['[\\-x]', 'x', true],
  ['[\\-x]', '-', true],
  ['[\\-x]', 'a', false],
  ['[]a]', ']', 'bad'],
  ['[-]', '-', 'bad'],
  ['[x-]', 'x', 'bad'],
  ['[x-]', '-', 'bad'],
  ['[x-]', 'z', 'bad'],
  ['[-x]', 'x', 'bad'],
  ['[-x]', '-', 'bad'],
  ['[-x]', 'a', 'bad'],
  ['\\', 'a', 'bad'],
  ['[a-b-c]', 'a', 'bad'],
  ['[', 'a', 'bad'],
  ['[^', 'a', 'bad'],
  ['[^bc', 'a', 'bad'],
  ['a[', 'a', 'bad'],
  ['a[', 'ab', 'bad'],
  ['a[', 'x', 'bad'],
  ['a/b[', 'x', 'bad'],
  ['*x', 'xxx', true],
];

test('paths: match follows Go path.Match on its own test table', () => {
  for (const [pattern, name, want] of GO_TABLE) {
    if (want === 'bad') {
      assert.throws(
        () => match(pattern, name),
        (e: unknown) => e instanceof PathError && e.code === 'BAD_PATTERN',
        `match(${JSON.stringify(pattern)}, ${JSON.stringify(name)}) should be a bad pattern`
      );
    } else {
      assert.equal(match(pattern, name), want, `match(${JSON.stringify(pattern)}, ${JSON.stringify(name)})`);
    }
  }
});

test('paths: hasWildcard sees unescaped *, ? and [ only', () => {
  assert.equal(hasWildcard('/a/b'), false);
  assert.equal(hasWildcard('/a/*'), true);
  assert.equal(hasWildcard('/a/b?'), true);
  assert.equal(hasWildcard('/a/[bc]'), true);
  assert.equal(hasWildcard('/a/\\*'), false);
  assert.equal(hasWildcard('/a/\\'), true, 'a trailing backslash counts, as in the seed');
});

test('paths: join, parent, basename, validatePath', () => {
  assert.equal(join('/a', 'b', '/c/'), '/a/b/c');
  assert.equal(join('/', 'x'), '/x');
  assert.equal(parent('/a/b'), '/a');
  assert.equal(parent('/a'), '/');
  assert.equal(basename('/a/b'), 'b');
  assert.equal(validatePath('/a/b'), '/a/b');
  for (const bad of ['a', '/a/', '/a//b', '/a/./b', '/a/../b', '']) {
    assert.throws(
      () => validatePath(bad),
      (e: unknown) => e instanceof PathError && e.code === 'BAD_PATH',
      bad
    );
  }
});

test('queue order: by the 10-digit sequence suffix, not by the whole name', () => {
  const names = ['zz-lock-0000000003', 'aa-lock-0000000010', 'mm-lock-0000000001'];
  assert.deepEqual([...names].sort(bySequence), ['mm-lock-0000000001', 'zz-lock-0000000003', 'aa-lock-0000000010']);
  assert.equal(sequenceOf('x-0000000042'), 42);
  assert.equal(sequenceOf('plain'), -1);
});

test('errors: native return codes map to stable codes', () => {
  const e = new ZkError(-101, 'get', '/x');
  assert.equal(e.code, 'NONODE');
  assert.equal(e.message, 'zookeeper get /x: NONODE (rc=-101)');
  assert.ok(isZkError(e, 'NONODE', 'NODEEXISTS'));
  assert.ok(!isZkError(e, 'NOTEMPTY'));
  assert.equal(new ZkError(-4, 'get', '/x').uncertain, true);
  assert.equal(new ZkError(-999, 'get', '/x').code, 'UNKNOWN');
});

test('acl: directory and file permissions as in the seed', () => {
  assert.equal(PERM_DIRECTORY, 31);
  assert.equal(PERM_FILE, 19);
  assert.ok(isDirectory(worldAcl(PERM_DIRECTORY)));
  assert.ok(!isDirectory(worldAcl(PERM_FILE)));
  // value computed by the server's DigestAuthenticationProvider
  assert.equal(digestId('super:secret'), 'super:lK75jTNcA+U9vtVEw5vB51mj/w4=');
});
