/* Advisory whole-file locks, as the reference plugins take them: Node has no flock(2). */
#include "addon.h"

#include <errno.h>
#include <sys/file.h>

/* flock(fd, operation): returns false only for LOCK_NB when the lock is held elsewhere. */
napi_value js_flock(napi_env env, napi_callback_info info) {
  int32_t args[2];
  if (read_int_args(env, info, 2, args) < 0) return NULL;
  int rc;
  do {
    rc = flock(args[0], args[1]);
  } while (rc < 0 && errno == EINTR);
  napi_value result;
  if (rc < 0) {
    if (errno == EWOULDBLOCK && (args[1] & LOCK_NB)) {
      napi_get_boolean(env, false, &result);
      return result;
    }
    return throw_errno(env, "flock", errno);
  }
  napi_get_boolean(env, true, &result);
  return result;
}
