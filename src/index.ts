// The library surface: the typed ZooKeeper client, the seed's helpers and the recipes.
export { AppError } from './errors.js';
export { Zk, type ZkState, type ZkOptions, type Stat, type CreateMode, type WatchEvent } from './zk/client.js';
export { ZkError, ZkConnectError, isZkError, type ZkErrorCode } from './zk/errors.js';
export * from './zk/acl.js';
export { PathError, join, parent, basename, validatePath, hasWildcard, match } from './zk/paths.js';
export {
  createRecursive, createOrUpdate, nodeExists, childrenRecursive, resolveWildcards, deleteRecursive,
  DeleteRaceError, type CreateRecursiveOptions,
} from './zk/helpers.js';
export { obtainQueueLock, QueueLockError, bySequence, sequenceOf } from './recipes/queue-lock.js';
export { cleanArgv, CLOSE_FDS_PROLOGUE } from './util/clean-exec.js';
