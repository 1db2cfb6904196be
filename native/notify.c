/*
 * zks-notify: sd_notify(3) for the supervisor, a Node-API addon (build/zks-notify.node).
 *
 * Node has no datagram sockets of the unix family, so without this every message to systemd was a process of
 * systemd-notify, and the unit needed NotifyAccess=all — which lets the job, and anything else in the unit's
 * cgroup, send MAINPID=, WATCHDOG=1 or STOPPING=1 for it. Sent from the supervisor's own process, the messages
 * pass NotifyAccess=main, and nothing the job sends is heard.
 *
 *   send(socket, message) → undefined, or the reason it was not sent (strerror)
 *
 * `socket` is $NOTIFY_SOCKET: a path, or "@name" for the abstract namespace. One socket per message, closed at
 * once, as libsystemd does; the datagram is sent without blocking (systemd's queue full: EAGAIN, reported).
 *
 * The few Node-API calls used are declared here, from the stable C ABI (Node-API version 1), so that this file
 * builds with the C compiler alone, as the leash does: no Node headers needed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status; /* napi_ok = 0 */
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);

napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t *, napi_value *, napi_value *, void **);
napi_status napi_get_value_string_utf8(napi_env, napi_value, char *, size_t, size_t *);
napi_status napi_create_string_utf8(napi_env, const char *, size_t, napi_value *);
napi_status napi_create_function(napi_env, const char *, size_t, napi_callback, void *, napi_value *);
napi_status napi_set_named_property(napi_env, napi_value, const char *, napi_value);
napi_status napi_get_undefined(napi_env, napi_value *);

static napi_value result(napi_env env, const char *why) {
  napi_value v;
  if (why) napi_create_string_utf8(env, why, strlen(why), &v);
  else napi_get_undefined(env, &v);
  return v;
}

/* A string argument into a new buffer (NUL-terminated), or NULL if it is not a string. */
static char *string_arg(napi_env env, napi_value v, size_t *len) {
  if (napi_get_value_string_utf8(env, v, NULL, 0, len) != 0) return NULL;
  char *s = malloc(*len + 1);
  if (s && napi_get_value_string_utf8(env, v, s, *len + 1, len) != 0) {
    free(s);
    return NULL;
  }
  return s;
}

static napi_value send_message(napi_env env, napi_callback_info info) {
  size_t argc = 2, plen = 0, mlen = 0;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != 0 || argc < 2) return result(env, "two arguments");
  char *path = string_arg(env, argv[0], &plen), *msg = string_arg(env, argv[1], &mlen);
  const char *why = NULL;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (!path || !msg) why = "socket and message must be strings";
  else if ((path[0] != '/' && path[0] != '@') || plen < 2 || plen >= sizeof sa.sun_path) why = "not a socket path";
  if (!why) {
    memcpy(sa.sun_path, path, plen);
    if (path[0] == '@') sa.sun_path[0] = '\0';
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '/'));
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || sendto(fd, msg, mlen, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) != (ssize_t)mlen)
      why = strerror(errno);
    if (fd >= 0) close(fd);
  }
  free(path);
  free(msg);
  return result(env, why);
}

__attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "send", 4, send_message, NULL, &fn) == 0)
    napi_set_named_property(env, exports, "send", fn);
  return exports;
}
