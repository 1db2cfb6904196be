// The library surface: the typed ZooKeeper client, the seed's helpers and the recipes built on them.
export { AppError } from './errors.js';
export { Zk, type ZkState, type ZkOptions, type Stat, type CreateMode, type WatchEvent } from './zk/client.js';
export { ZkError, ZkConnectError, isZkError, type ZkErrorCode } from './zk/errors.js';
export { readTlsFiles, TlsFileError, type ZkTlsOptions, type TlsFiles } from './zk/tls.js';
export { TlsBridge } from './zk/tls-bridge.js';
export * from './zk/acl.js';
export { PathError, join, parent, basename, validatePath, hasWildcard, match } from './zk/paths.js';
export {
  createRecursive,
  createOrUpdate,
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
  type Term,
  type LeaderInfo,
  type Contender,
  type CampaignOptions,
  type ResignRequest,
} from './recipes/election.js';
export { lead, type LeadOptions } from './recipes/lead.js';
export {
  Lease,
  HeartbeatLedger,
  leaseTiming,
  leaseMarginMs,
  stopBudgetMs,
  type LeaseOptions,
} from './recipes/lease.js';
export { Baton, type BatonHolder } from './recipes/baton.js';
export { maintainPidNode, removePidNode } from './recipes/pid-node.js';
export { backoffDelay } from './util/backoff.js';
export { RecipeError, type RecipeErrorCode } from './recipes/errors.js';
export { cleanArgv, CLOSE_FDS_PROLOGUE } from './util/clean-exec.js';
