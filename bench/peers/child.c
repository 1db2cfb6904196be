/* The benchmarks' child: starts in well under a millisecond, so that what a figure measures is the supervisors.
 * Appends `start <name> <pid> <CLOCK_MONOTONIC ns> <token> -` to $CHILD_LOG at once, and `stop …` from its
 * SIGTERM handler, then exits (the lines test/helpers/overlap.ts reads). Built by bench/peers.ts with cc. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;
static char name[128] = "child", token[64] = "";

static void line(const char *kind) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  char buf[320];
  int n = snprintf(buf, sizeof buf, "%s %s %d %lld %s -\n", kind, name, (int)getpid(),
                   (long long)t.tv_sec * 1000000000LL + t.tv_nsec, token);
  if (n > 0) (void)!write(fd, buf, (size_t)n);
}

static void on_term(int sig) {
  (void)sig;
  line("stop");
  _exit(0);
}

int main(void) {
  const char *log = getenv("CHILD_LOG"), *id = getenv("ZK_SUPERVISOR_ID"), *tok = getenv("ZK_SUPERVISOR_TOKEN");
  if (!log) return 2;
  if (id) snprintf(name, sizeof name, "%s", id);
  if (tok) snprintf(token, sizeof token, "%s", tok);
  fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return 2;
  signal(SIGTERM, on_term);
  line("start");
  for (;;) pause();
}
