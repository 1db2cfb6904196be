// Spawning without leaking descriptors. The ZooKeeper C client opens its socket without O_CLOEXEC, so
// every process we spawn would inherit a copy: the child could then write on our session, and the
// kernel keeps the old connection's file alive, which leaves stale events in our poller and stalls the
// reconnect after a server loss. Everything we spawn goes through this tiny shell prologue instead.

/**
 * Bash prologue: closes every inherited descriptor above stderr (except those listed in $ZKS_KEEP_FDS),
 * then execs "$@".
 */
export const CLOSE_FDS_PROLOGUE =
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; ' +
  'case " 0 1 2 $ZKS_KEEP_FDS " in *" $fd "*) ;; *) eval "exec $fd>&-" 2>/dev/null;; esac; done; ' +
  'unset ZKS_KEEP_FDS; exec "$@"';

/** argv that runs `argv` with only stdio (and `keepFds`) inherited. */
export function cleanArgv(
  argv: readonly string[],
  keepFds: readonly number[] = []
): { file: string; args: string[]; env: Record<string, string> } {
  return {
    file: '/bin/bash',
    args: ['-c', CLOSE_FDS_PROLOGUE, 'zk-supervisor-exec', ...argv],
    env: { ZKS_KEEP_FDS: keepFds.join(' ') },
  };
}
