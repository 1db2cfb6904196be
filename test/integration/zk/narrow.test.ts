// An unpatched binding creates a secured node open and narrows it one round trip later: another client setting
// an ACL of its own in that window is tampering — the node is made again, never reported as wrong credentials.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PERM_READ, securedAcl, worldAcl } from '../../../src/zk/acl.js';
import { Zk } from '../../../src/zk/client.js';
import { nativeBinding } from '../../../src/zk/native.js';
import { TAMPER_ATTEMPTS, TamperedError } from '../../../src/zk/narrow.js';
import { useZk } from '../../helpers/fixture.js';

const fx = useZk();
const proto = nativeBinding().prototype as { a_create_acl?: unknown };
const patched = proto.a_create_acl;
before(() => {
  proto.a_create_acl = undefined; // this process's binding is an unpatched one
});
after(() => {
  proto.a_create_acl = patched;
});

/** Our client, whose next `times` setACL calls an outsider's setACL (world:anyone READ) always lands before. */
async function raced(times: number) {
  const tampered: string[] = [];
  const zk = await fx.client({ onTampered: (p) => tampered.push(p) });
  await zk.addAuth('digest', 'member:secret');
  const outsider = await fx.client({ connect: zk.connectString });
  let left = times;
  zk.setACL = async (path, acl, version) => {
    if (left-- > 0) await outsider.setACL(path, worldAcl(PERM_READ));
    return Zk.prototype.setACL.call(zk, path, acl, version);
  };
  return { zk, tampered };
}

test('narrow: a node whose ACL an outsider set before ours is deleted, made again and reported', async () => {
  const { zk, tampered } = await raced(1);
  const acl = securedAcl('member:secret');
  const path = await zk.create('/baton', 'x', { acl });
  assert.equal(path, '/baton');
  assert.deepEqual(tampered, ['/baton'], 'the tampering was not reported');
  assert.deepEqual((await zk.getACL('/baton')).acl, acl, 'the node made again does not carry our ACL');
  const seq = await zk.create('/cand-', '', { mode: 'ephemeral_sequential', acl });
  assert.match(seq, /^\/cand-\d{10}$/);
  assert.deepEqual((await zk.children('/')).children.sort(), ['baton', seq.slice(1)].sort());
});

test('narrow: tampered on every attempt, the create rejects TamperedError and leaves no node', async () => {
  const { zk, tampered } = await raced(Infinity);
  await assert.rejects(
    zk.create('/cand-', '', { mode: 'ephemeral_sequential', acl: securedAcl('member:secret') }),
    (e: unknown) => e instanceof TamperedError && /tampering, not our credentials/.test(e.message)
  );
  assert.equal(tampered.length, TAMPER_ATTEMPTS);
  assert.deepEqual((await zk.children('/')).children, [], 'a tampered node was left behind');
});

test('narrow: our own setACL applied before a lost reply (an ACL that excludes us) is not tampering', async () => {
  const tampered: string[] = [];
  const zk = await fx.client({ onTampered: (p) => tampered.push(p) });
  const ro = worldAcl(PERM_READ);
  let first = true;
  zk.setACL = async (path, acl, version) => {
    if (first) {
      first = false;
      await Zk.prototype.setACL.call(zk, path, acl, version); // applied; as if its reply had been lost:
    }
    return Zk.prototype.setACL.call(zk, path, acl, version); // the retry gets NOAUTH
  };
  await zk.create('/ro', 'x', { acl: ro });
  assert.deepEqual(tampered, []);
  assert.deepEqual((await zk.getACL('/ro')).acl, ro);
});
