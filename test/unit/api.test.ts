// The library surface is a decision: this list is what `import … from 'zk-supervisor'` offers at run time. A change
// here is a change of the public API (add it to the README's library section; removing one is a breaking change).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as api from '../../src/index.js';

const PUBLIC = [
  // the client, its errors and the one retry policy
  ...['Zk', 'ZkError', 'ZkConnectError', 'isZkError', 'isFinal', 'retry', 'RetryError', 'AppError'],
  ...['readTlsFiles', 'TlsFileError', 'TlsBridge', 'OPEN_ACL', 'securedAcl', 'digestId', 'worldAcl'],
  ...['cleanArgv', 'CLOSE_FDS_PROLOGUE'], // whatever is spawned while a client is open must go through it
  // the seed's helpers (zkhelper.go) and paths
  ...['createRecursive', 'createOrUpdate', 'ensurePath', 'nodeExists', 'childrenRecursive', 'resolveWildcards'],
  ...['deleteRecursive', 'DeleteRaceError', 'PathError', 'join', 'parent', 'basename', 'validatePath'],
  ...['hasWildcard', 'match', 'obtainQueueLock', 'QueueLockError', 'bySequence', 'sequenceOf'],
  // the recipes
  ...['Mutex', 'CONTENDER_NAME', 'Election', 'layoutOf', 'Term', 'TermEnd', 'endOf', 'lead', 'observeLeader'],
  ...['Lease', 'LeaseHold', 'leaseTiming', 'stopBudgetMs', 'Baton', 'maintainPidNode', 'removePidNode', 'RecipeError'],
  ...['Slots', 'preferredOf', 'priorityOf', 'preemptDecision'], // several holders; the priority rules (#30)
];

test('api: the entry point exports exactly the public names (no daemon internals)', () => {
  assert.deepEqual(Object.keys(api).sort(), [...PUBLIC].sort());
  for (const internal of ['memberAcl', 'HeartbeatLedger', 'sleep', 'pause', 'backoffDelay', 'Supervisor'])
    assert.ok(!(internal in api), `${internal} is a daemon internal`);
});
