/*
 * zks-leash: keeps a job on the supervisor's lease (DESIGN §3.3). Usage: zks-leash <grace-ms> <SIGNAME> argv...
 *
 * Started idle while the supervisor is a candidate. It is a child subreaper, so every descendant of the job —
 * whatever session or process group it moves to (setsid, coreutils timeout, a double-forking daemon) — stays
 * in its subtree or is re-parented to it. Control socket on fd 3 (lines, supervisor → leash):
 *   R <deadline-ns> <term> <token> [<tick>]   run the job; stop it at <deadline-ns> (absolute, CLOCK_MONOTONIC)
 *   L <deadline-ns>                            the lease is renewed: the new stop deadline
 *   S <grace-ms>                               stop now, with this grace
 * EOF on fd 3 (the supervisor died), SIGTERM/SIGINT/SIGHUP or the deadline: stop with <grace-ms>. A deadline
 * already past at R is refused. Deadlines are converted to CLOCK_BOOTTIME on receipt, so time the machine spent
 * suspended counts: a resumed machine finds its lease over at once.
 * Stop = <SIGNAME> to every descendant and its process group, wait the grace (cut to what is left of the lease
 * is the supervisor's business), SIGKILL every descendant until waitpid reports none left. Only then the job's
 * exact wait status goes back on fd 3 — "E <code> <k>" (exited), "K <signo> <k>" (killed by a signal; <k> is 1
 * when something outlived the grace and was SIGKILLed) or "N" (never ran) — and the leash exits 0. Right after
 * the fork it says "P <pid>": the job's pid and process group. The job gets SIGKILL should the leash die. Exit 2: bad usage or setup failure (message on stderr).
 * When the leash's stdout/stderr are pipes or sockets, the job's go through pipes the leash holds and copies
 * on (see `struct relay`): a dead supervisor's pipe never kills a job with SIGPIPE during its graceful stop.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#define CTL 3
static int64_t deadline = INT64_MAX; /* CLOCK_BOOTTIME ns at which the stop begins */
static int sigfd = -1;
static pid_t job = 0;
static int job_status = 0, job_reaped = 0;

/* The job's stdout/stderr when ours is a pipe or a socket (output: log — Node makes socket pairs — or journald):
 * the job writes into pipes the leash holds and the leash copies on, so that a supervisor gone (SIGKILL) does not
 * turn the job's next write into SIGPIPE in the middle of its graceful stop — its output is dropped then. A slow
 * reader slows the job, as a pipe would. */
struct relay { int in, out, dead; size_t len, off; char buf[65536]; };
static struct relay relays[2] = { { .in = -1, .out = 1 }, { .in = -1, .out = 2 } };

/* Adds the relays' fds to `p` (from index n); returns the new count. */
static int relay_poll(struct pollfd *p, int n) {
  for (int i = 0; i < 2; i++) {
    struct relay *r = &relays[i];
    if (r->in < 0) continue;
    p[n++] = r->len ? (struct pollfd){ .fd = r->out, .events = POLLOUT } : (struct pollfd){ .fd = r->in, .events = POLLIN };
  }
  return n;
}

/* Moves what is ready: reads a relay whose buffer is empty, writes one that holds data. */
static void relay_io(void) {
  for (int i = 0; i < 2; i++) {
    struct relay *r = &relays[i];
    if (r->in < 0) continue;
    if (!r->len) {
      ssize_t got = read(r->in, r->buf, sizeof r->buf);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) { close(r->in); r->in = -1; continue; }
      if (got > 0 && !r->dead) { r->len = (size_t)got; r->off = 0; }
    }
    while (r->len) {
      ssize_t put = write(r->out, r->buf + r->off, r->len);
      if (put < 0 && (errno == EAGAIN || errno == EINTR)) break;
      if (put < 0) { r->dead = 1; r->len = 0; break; } /* EPIPE (SIGPIPE is blocked): the reader is gone */
      r->off += (size_t)put;
      r->len -= (size_t)put;
    }
  }
}

/* Once no descendant is left (no writer): what is still in the pipes goes on, for at most a second. */
static void relay_drain(void) {
  for (int i = 0; i < 100; i++) {
    struct pollfd p[2];
    int n = relay_poll(p, 0);
    if (!n) return;
    poll(p, (nfds_t)n, 10);
    relay_io();
  }
}

static int64_t now_ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "zks-leash: %s: %s\n", what, strerror(errno));
  exit(2);
}

/* Reaps every exited child without blocking; remembers the job's status. */
static void reap(int block) {
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, block ? 0 : WNOHANG);
    if (p <= 0) return;
    if (p == job) { job_status = st; job_reaped = 1; }
    if (block) return;
  }
}

/* True while we have any child, living or not: as a subreaper, "no child" means no descendant at all. */
static int has_children(void) {
  siginfo_t si;
  return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/* Sends `sig` to every live descendant (found through /proc) and to each one's process group, but for `done`
 * and its group (already signalled: 0 for none). */
static int signal_descendants(int sig, pid_t done) {
  static pid_t pids[65536], ppids[65536];
  pid_t self = getpid();
  int n = 0, found = 0;
  DIR *d = opendir("/proc");
  if (!d) return 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 65536) {
    char *end;
    long pid = strtol(e->d_name, &end, 10);
    if (*end || pid <= 0) continue;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0) continue;
    buf[r] = 0;
    char *rp = strrchr(buf, ')');
    char state;
    int ppid;
    if (!rp || sscanf(rp + 2, "%c %d", &state, &ppid) != 2 || state == 'Z') continue;
    pids[n] = (pid_t)pid;
    ppids[n++] = ppid;
  }
  closedir(d);
  /* descendants: repeat until no new pid joins the set (a tree listed in any order) */
  char *mark = calloc(n ? n : 1, 1);
  for (int changed = 1; changed;) {
    changed = 0;
    for (int i = 0; i < n; i++) {
      if (mark[i]) continue;
      int up = ppids[i] == self;
      for (int j = 0; !up && j < n; j++) up = mark[j] && pids[j] == ppids[i];
      if (up) { mark[i] = 1; changed = 1; }
    }
  }
  for (int i = 0; i < n; i++) {
    if (!mark[i]) continue;
    found++;
    if (pids[i] != done) kill(pids[i], sig);
    pid_t g = getpgid(pids[i]);
    if (g > 0 && g != getpgrp() && g != done) kill(-g, sig);
  }
  free(mark);
  return found;
}

/* Handles one control line: returns 'R' (run), 'S' (stop with *grace) or 0 (a renewal, or unknown). */
static int control_line(const char *line, long *grace) {
  long long v = 0;
  if (line[0] == 'L' && sscanf(line + 1, "%lld", &v) == 1) deadline = v + (now_ns(CLOCK_BOOTTIME) - now_ns(CLOCK_MONOTONIC));
  else if (line[0] == 'S' && sscanf(line + 1, "%ld", grace) == 1) return 'S';
  else if (line[0] == 'R') return 'R';
  return 0;
}

/* Reads what is available on the control socket; returns -1 on EOF, else the last action seen. */
static int read_control(long *grace, char **run_line) {
  static char buf[4096];
  static size_t len = 0;
  ssize_t r = read(CTL, buf + len, sizeof buf - 1 - len);
  if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) return -1;
  if (r < 0) return 0;
  len += (size_t)r;
  int action = 0;
  char *start = buf, *nl;
  while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
    *nl = 0;
    int a = control_line(start, grace);
    if (a == 'R') { static char keep[4096]; strcpy(keep, start); *run_line = keep; }
    if (a) action = a;
    start = nl + 1;
  }
  len -= (size_t)(start - buf);
  memmove(buf, start, len);
  if (len == sizeof buf - 1) len = 0; /* an overlong line is dropped */
  return action;
}

/* Stop: signal, grace, SIGKILL until no descendant is left; then report the job's status and exit. An "S <ms>"
 * during the grace can only shorten it. */
static void stop_and_exit(int sig, long grace_ms) {
  /* The grace ends at the lease end (deadline + grace) at the latest: a leash thawed after that (a frozen host)
   * gives none — SIGKILL at once, not a new grace beside the next leader's job. */
  int64_t now = now_ns(CLOCK_BOOTTIME), until = (deadline < now ? deadline : now) + (int64_t)grace_ms * 1000000;
  if (until <= now) sig = SIGKILL;
  int survivors = 0;
  /* The job and its group first (a zombie's pid is not reused: not reaped yet, it is still ours); the rest, found
   * through /proc, once 2 ms have passed with a descendant left: a scan takes a millisecond or more (more on a busy
   * host), which a job that stops at once need not wait for. The deadline and the SIGKILL pass are unchanged. */
  pid_t first = job && !job_reaped ? job : 0;
  if (first) { kill(first, sig); kill(-first, sig); }
  int64_t scan_at = !job ? 0 : now_ns(CLOCK_BOOTTIME) + (first ? 2000000 : 0); /* a job gone: what it left, at once */
  while (job) {
    reap(0);
    if (!has_children()) break; /* none left */
    if (scan_at && now_ns(CLOCK_BOOTTIME) >= scan_at) { signal_descendants(sig, first); scan_at = 0; }
    int64_t left = until - now_ns(CLOCK_BOOTTIME);
    if (left <= 0) { survivors = 1; break; }
    struct pollfd p[4] = { { .fd = sigfd, .events = POLLIN }, { .fd = CTL, .events = POLLIN } };
    int ms = (int)(left / 1000000) + 1;
    int to_scan = scan_at ? (int)((scan_at - now_ns(CLOCK_BOOTTIME)) / 1000000) + 1 : ms;
    if (to_scan < ms) ms = to_scan;
    int np = relay_poll(p, 2);
    if (poll(p, (nfds_t)np, ms > 20 ? 20 : ms) > 0) {
      relay_io();
      struct signalfd_siginfo si;
      while (read(sigfd, &si, sizeof si) == sizeof si) {}
      long g = grace_ms;
      char *line = NULL;
      if (p[1].revents && read_control(&g, &line) == 'S' && now_ns(CLOCK_BOOTTIME) + (int64_t)g * 1000000 < until) {
        until = now_ns(CLOCK_BOOTTIME) + (int64_t)g * 1000000;
      }
    }
  }
  for (;;) { /* SIGKILL whatever is left, reap until none: new forks are caught by the next pass */
    reap(0);
    if (!has_children()) break;
    signal_descendants(SIGKILL, 0);
    reap(1);
  }
  relay_drain();
  char out[48];
  if (!job) snprintf(out, sizeof out, "N\n");
  else if (WIFSIGNALED(job_status)) snprintf(out, sizeof out, "K %d %d\n", WTERMSIG(job_status), survivors);
  else snprintf(out, sizeof out, "E %d %d\n", WEXITSTATUS(job_status), survivors);
  (void)!write(CTL, out, strlen(out));
  exit(0);
}

/* The job's user and group (`ZKS_LEASH_UIDGID=uid:gid`, from task.user/task.group); -1: stay who we are. The
   leash itself keeps its identity, so it can always stop the job and everything the job started. */
static long job_uid = -1, job_gid = -1;

static void run_job(char **argv, const char *line) {
  long long dl = 0;
  char term[64] = "", token[64] = "", tick[128] = "", slot[16] = ""; /* "-": none */
  if (sscanf(line + 1, "%lld %63s %63s %127s %15s", &dl, term, token, tick, slot) < 3) { errno = EINVAL; die("bad run line"); }
  int64_t offset = now_ns(CLOCK_BOOTTIME) - now_ns(CLOCK_MONOTONIC);
  deadline = dl + offset;
  if (deadline <= now_ns(CLOCK_BOOTTIME)) stop_and_exit(SIGKILL, 0); /* the lease is already over: refused */
  setenv("ZK_SUPERVISOR_TERM", term, 1);
  setenv("ZK_SUPERVISOR_TOKEN", token, 1);
  if (tick[0] && strcmp(tick, "-")) setenv("ZK_SUPERVISOR_TICK", tick, 1);
  if (slot[0] && strcmp(slot, "-")) setenv("ZK_SUPERVISOR_SLOT", slot, 1);
  pid_t leash = getpid();
  int wr[2] = { -1, -1 };
  for (int i = 0; i < 2; i++) {
    struct stat st;
    int fds[2];
    if (fstat(relays[i].out, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) continue;
    if (pipe2(fds, O_CLOEXEC) < 0) continue;
    relays[i].in = fds[0];
    wr[i] = fds[1];
  }
  job = fork();
  if (job < 0) die("fork");
  if (job == 0) {
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    for (int s = 1; s < NSIG; s++) sigaction(s, &dfl, NULL);
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (job_gid >= 0 && (setgroups(0, NULL) < 0 || setgid((gid_t)job_gid) < 0)) {
      fprintf(stderr, "zks-leash: cannot switch to group %ld: %s\n", job_gid, strerror(errno));
      _exit(126);
    }
    if (job_uid >= 0 && setuid((uid_t)job_uid) < 0) {
      fprintf(stderr, "zks-leash: cannot switch to user %ld: %s\n", job_uid, strerror(errno));
      _exit(126);
    }
    for (int i = 0; i < 2; i++) if (wr[i] >= 0 && dup2(wr[i], 1 + i) < 0) _exit(126);
    /* If the leash dies (killed), the job dies with it (set after the identity switch, which clears it). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != leash) _exit(137);
    execvp(argv[0], argv);
    fprintf(stderr, "zks-leash: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  for (int i = 0; i < 2; i++) {
    if (wr[i] < 0) continue;
    close(wr[i]);
    fcntl(relays[i].in, F_SETFL, O_NONBLOCK);
    fcntl(relays[i].out, F_SETFL, fcntl(relays[i].out, F_GETFL) | O_NONBLOCK);
  }
  /* The job's pid (= its process group) at once: should the leash vanish, the supervisor knows what to kill. */
  dprintf(CTL, "P %d\n", (int)job);
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: zks-leash <grace-ms> <SIGNAME> command [args...]\n"); return 2; }
  long grace = strtol(argv[1], NULL, 10);
  int sig = 0;
  for (int s = 1; s < NSIG && !sig; s++) {
    const char *name = sigabbrev_np(s);
    if (name && (strcmp(argv[2], name) == 0 || (strncmp(argv[2], "SIG", 3) == 0 && strcmp(argv[2] + 3, name) == 0))) sig = s;
  }
  if (!sig || grace < 0) { fprintf(stderr, "zks-leash: bad grace %s or signal %s\n", argv[1], argv[2]); return 2; }
  const char *ids = getenv("ZKS_LEASH_UIDGID");
  if (ids && sscanf(ids, "%ld:%ld", &job_uid, &job_gid) != 2) { fprintf(stderr, "zks-leash: bad ZKS_LEASH_UIDGID\n"); return 2; }
  unsetenv("ZKS_LEASH_UIDGID");
  if (close_range(CTL + 1, ~0U, 0) < 0) { /* older kernels: close what /proc lists */
    for (int fd = CTL + 1; fd < 65536; fd++) close(fd);
  }
  if (fcntl(CTL, F_SETFD, FD_CLOEXEC) < 0) die("control socket on fd 3");
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("PR_SET_CHILD_SUBREAPER");
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL); /* blocked across fork; the job resets them before exec */
  sigset_t watched;
  sigemptyset(&watched);
  int stops[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD };
  for (unsigned i = 0; i < sizeof stops / sizeof *stops; i++) sigaddset(&watched, stops[i]);
  sigfd = signalfd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) die("signalfd");
  char **cmd = argv + 3;
  for (;;) {
    int64_t left = deadline - now_ns(CLOCK_BOOTTIME);
    if (job && left <= 0) stop_and_exit(sig, grace);
    struct pollfd p[4] = { { .fd = CTL, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
    int timeout = !job || left > 3600000000000LL ? -1 : (int)(left / 1000000) + 1;
    int np = relay_poll(p, 2);
    if (poll(p, (nfds_t)np, timeout) < 0 && errno != EINTR) die("poll");
    relay_io();
    if (p[1].revents) {
      struct signalfd_siginfo si;
      while (read(sigfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo != SIGCHLD) stop_and_exit(sig, grace);
      }
      reap(0);
      if (job_reaped) stop_and_exit(sig, grace); /* the job exited: whatever it left behind goes too */
    }
    if (p[0].revents) {
      long g = grace;
      char *line = NULL;
      int a = read_control(&g, &line);
      if (a < 0) stop_and_exit(sig, grace); /* EOF: the supervisor is gone (or idle leash released) */
      if (a == 'S') stop_and_exit(sig, g);
      if (a == 'R' && !job) run_job(cmd, line);
    }
  }
}
