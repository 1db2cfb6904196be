// The leash: a tiny bash watchdog that holds the child on the supervisor's lease (DESIGN §3).
//
// It is started while we are still a candidate (so winning costs no process start), reads commands
// from the supervisor on fd 3, and is the child's parent and process-group leader. While the child runs
// (in the foreground, so its exit is seen at once) a forked watchdog subshell holds the pipe:
//   R <ms> <term> <token> [<tick>]   run the command now; the lease is valid for <ms> more milliseconds (0: refused)
//   L <ms>                  the lease is renewed: valid for <ms> more milliseconds
// When the lease lapses (a frozen or partitioned supervisor stops renewing) or fd 3 reaches EOF (the
// supervisor died), the watchdog stops the group itself: stop signal, grace, SIGKILL. It exits with the
// child's status (re-raising a fatal signal), so the supervisor sees the child's own exit.
import { CLOSE_FDS_PROLOGUE } from '../util/clean-exec.js';

const LEASH_BODY = `
grace=$1; sig=$2; shift 2
trap 'terminated=1' TERM INT HUP QUIT USR1 USR2
finish() {
  local st=$1
  if [ "$st" -gt 128 ]; then trap - TERM INT HUP QUIT USR1 USR2; kill -$(( st - 128 )) $$; fi
  exit "$st"
}
while :; do
  read -r cmd ms term token tick <&3 || exit 0
  [ "$cmd" = R ] && break
done
[ "$ms" -gt 0 ] || exit 0 # a run whose lease is already over is refused
export ZK_SUPERVISOR_TERM=$term ZK_SUPERVISOR_TOKEN=$token
[ -n "$tick" ] && export ZK_SUPERVISOR_TICK=$tick
read -r up _ < /proc/uptime; deadline=$(( \${up%.*} * 1000 + 10#\${up#*.} * 10 + ms ))
(
  trap : TERM INT HUP QUIT USR1 USR2
  exec 9<> <(:)
  while :; do
    read -r up _ < /proc/uptime; left=$(( deadline - \${up%.*} * 1000 - 10#\${up#*.} * 10 ))
    [ "$left" -le 0 ] && break
    printf -v t '%d.%03d' $(( left / 1000 )) $(( left % 1000 ))
    if read -r -t "$t" cmd ms <&3; then
      [ "$cmd" = L ] && { read -r up _ < /proc/uptime; deadline=$(( \${up%.*} * 1000 + 10#\${up#*.} * 10 + ms )); }
    elif [ $? -le 128 ]; then break
    fi
  done
  kill -s "$sig" -- -$$ 2>/dev/null
  printf -v t '%d.%03d' $(( grace / 1000 )) $(( grace % 1000 ))
  read -r -t "$t" -u 9 _
  kill -s KILL -- -$$
) &
watchdog=$!
exec 3<&-
"$@"
st=$?
{ kill -s KILL "$watchdog"; wait "$watchdog"; } 2>/dev/null # wait: reap it without a job-status line on stderr
finish "$st"
`;

/** The leash as a `bash -c` script: closes inherited descriptors (keeping fd 3), then runs the watchdog. */
export const LEASH_SCRIPT = CLOSE_FDS_PROLOGUE.replace(/ exec "\$@"$/, '') + LEASH_BODY;

/** argv of a leash around `argv`: `bash -c LEASH leash <graceMs> <signal> argv…`. */
export function leashArgv(argv: readonly string[], graceMs: number, signal: string): { file: string; args: string[] } {
  return { file: '/bin/bash', args: ['-c', LEASH_SCRIPT, 'zk-supervisor-leash', String(graceMs), signal, ...argv] };
}
