/* Entering a network namespace: Node has no setns(2). */
#define _GNU_SOURCE
#include "addon.h"

#include <errno.h>
#include <sched.h>

/* setns(fd, nstype): move the calling thread into the namespace behind fd. */
napi_value js_setns(napi_env env, napi_callback_info info) {
  int32_t args[2];
  if (read_int_args(env, info, 2, args) < 0) return NULL;
  if (setns(args[0], args[1]) < 0) return throw_errno(env, "setns", errno);
  return NULL;
}
