// The library surface, chosen name by name (test/unit/api.test.ts pins it): the typed ZooKeeper client, the seed's
// helpers, and the recipes the daemon is built from. Nothing of the daemon's own wiring is exported.
export { AppError } from './errors.js';
export { Zk, type ZkState, type ZkOptions, type Stat, type CreateMode, type WatchEvent } from './zk/client.js';
export { isFinal } from './zk/types.js';
export { ZkError, ZkConnectError, isZkError, type ZkErrorCode } from './zk/errors.js';
export { retry, RetryError, type RetryOptions, type RetryErrorCode } from './zk/retry.js';
export { readTlsFiles, TlsFileError, type ZkTlsOptions, type TlsFiles } from './zk/tls.js';
export { TlsBridge } from './zk/tls-bridge.js';
export { OPEN_ACL, securedAcl, digestId, worldAcl, type Acl } from './zk/acl.js';
export { PathError, join, parent, basename, validatePath, hasWildcard, match } from './zk/paths.js';
export {
  createRecursive,
  createOrUpdate,
  ensurePath,
  nodeExists,
  childrenRecursive,
  resolveWildcards,
  deleteRecursive,
  DeleteRaceError,
  type CreateRecursiveOptions,
} from './zk/helpers.js';
export {
  obtainQueueLock,
  QueueLockError,
  bySequence,
  sequenceOf,
  type QueueLockOptions,
} from './recipes/queue-lock.js';
export { Mutex, CONTENDER_NAME, type LockOptions, type Position } from './recipes/mutex.js';
export {
  Election,
  type Won,
  type LeaderInfo,
  type Contender,
  type CampaignOptions,
  type ResignRequest,
  type PreemptOptions,
} from './recipes/election.js';
export { Slots, type SlotWon, type SlotsCampaignOptions } from './recipes/slots.js';
export { preferredOf, priorityOf, preemptDecision } from './recipes/priority.js';
export { layoutOf, type ElectionLayout } from './recipes/layout.js';
export { Term, type TakeOptions } from './recipes/term.js';
export { TermEnd, endOf, type TermEndKind } from './recipes/end.js';
export { lead, type LeadOptions } from './recipes/lead.js';
export { observeLeader } from './recipes/observe.js';
export { Lease, type LeaseOptions } from './recipes/lease.js';
export { LeaseHold } from './recipes/lease-hold.js';
export { leaseTiming, stopBudgetMs } from './recipes/lease-timing.js';
export { Baton, type BatonHolder } from './recipes/baton.js';
export { maintainPidNode, removePidNode } from './recipes/pid-node.js';
export { RecipeError, type RecipeErrorCode } from './recipes/errors.js';
export { cleanArgv, CLOSE_FDS_PROLOGUE } from './util/clean-exec.js';
