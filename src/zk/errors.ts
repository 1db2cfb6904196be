import { AppError } from '../errors.js';

/** Stable codes for ZooKeeper return codes (names follow the server's KeeperException.Code). */
export type ZkErrorCode =
  | 'SYSTEMERROR'
  | 'RUNTIMEINCONSISTENCY'
  | 'DATAINCONSISTENCY'
  | 'CONNECTIONLOSS'
  | 'MARSHALLINGERROR'
  | 'UNIMPLEMENTED'
  | 'OPERATIONTIMEOUT'
  | 'BADARGUMENTS'
  | 'INVALIDSTATE'
  | 'APIERROR'
  | 'NONODE'
  | 'NOAUTH'
  | 'BADVERSION'
  | 'NOCHILDRENFOREPHEMERALS'
  | 'NODEEXISTS'
  | 'NOTEMPTY'
  | 'SESSIONEXPIRED'
  | 'INVALIDCALLBACK'
  | 'INVALIDACL'
  | 'AUTHFAILED'
  | 'CLOSING'
  | 'NOTHING'
  | 'SESSIONMOVED'
  | 'NOTREADONLY'
  | 'EPHEMERALONLOCALSESSION'
  | 'NOWATCHER'
  | 'RECONFIGDISABLED'
  | 'THROTTLED'
  | 'CLOSED'
  | 'UNKNOWN';

const BY_RC: ReadonlyMap<number, ZkErrorCode> = new Map<number, ZkErrorCode>([
  [-1, 'SYSTEMERROR'],
  [-2, 'RUNTIMEINCONSISTENCY'],
  [-3, 'DATAINCONSISTENCY'],
  [-4, 'CONNECTIONLOSS'],
  [-5, 'MARSHALLINGERROR'],
  [-6, 'UNIMPLEMENTED'],
  [-7, 'OPERATIONTIMEOUT'],
  [-8, 'BADARGUMENTS'],
  [-9, 'INVALIDSTATE'],
  [-100, 'APIERROR'],
  [-101, 'NONODE'],
  [-102, 'NOAUTH'],
  [-103, 'BADVERSION'],
  [-108, 'NOCHILDRENFOREPHEMERALS'],
  [-110, 'NODEEXISTS'],
  [-111, 'NOTEMPTY'],
  [-112, 'SESSIONEXPIRED'],
  [-113, 'INVALIDCALLBACK'],
  [-114, 'INVALIDACL'],
  [-115, 'AUTHFAILED'],
  [-116, 'CLOSING'],
  [-117, 'NOTHING'],
  [-118, 'SESSIONMOVED'],
  [-119, 'NOTREADONLY'],
  [-120, 'EPHEMERALONLOCALSESSION'],
  [-121, 'NOWATCHER'],
  [-123, 'RECONFIGDISABLED'],
  [-127, 'THROTTLED'],
]);

/** Codes after which the request may or may not have been applied by the server. */
const UNCERTAIN: ReadonlySet<ZkErrorCode> = new Set(['CONNECTIONLOSS', 'OPERATIONTIMEOUT', 'CLOSING']);

/** A failed ZooKeeper operation: `code` is stable, `rc` is the native return code, `path` the node. */
export class ZkError extends AppError<ZkErrorCode> {
  readonly code: ZkErrorCode;
  constructor(
    readonly rc: number,
    readonly op: string,
    readonly path: string,
    options?: ErrorOptions
  ) {
    const code = rc === CLOSED_RC ? 'CLOSED' : (BY_RC.get(rc) ?? 'UNKNOWN');
    super(`zookeeper ${op} ${path}: ${code} (rc=${rc})`, options);
    this.code = code;
  }
  /** True when the server may have applied the request although we got no answer. */
  get uncertain(): boolean {
    return UNCERTAIN.has(this.code);
  }
}

/** Pseudo return code used when the client instance was closed by us or by session expiry. */
export const CLOSED_RC = -1000;

/** Narrows `e` to a ZkError, optionally of one of the given codes. */
export const isZkError = (e: unknown, ...codes: ZkErrorCode[]): e is ZkError =>
  e instanceof ZkError && (codes.length === 0 || codes.includes(e.code));

/** Connecting failed: no server answered within the deadline, or the session could not be established. */
export class ZkConnectError extends AppError<
  'CONNECT_TIMEOUT' | 'CONNECT_FAILED' | 'CLIENT_UNAVAILABLE' | 'TLS_FAILED'
> {
  constructor(
    readonly code: 'CONNECT_TIMEOUT' | 'CONNECT_FAILED' | 'CLIENT_UNAVAILABLE' | 'TLS_FAILED',
    message: string,
    options?: ErrorOptions
  ) {
    super(message, options);
  }
}
