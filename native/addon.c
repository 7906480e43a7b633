/*
 * cni-ts's native addon: what a plugin needs and Node does not offer.
 * Entering a network namespace (netns.c), a synchronous netlink socket
 * (netlink.c), advisory file locks (flock.c), running a tool that dies
 * with the plugin (spawn.c) and SHA-2 without loading node:crypto (sha2.c).
 * This file registers them and holds the argument and error helpers they
 * share.
 */
#include "addon.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", syscall, strerror(err));
  napi_value msg, error, errno_value, syscall_value;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_int32(env, err, &errno_value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
  return NULL;
}

int read_int_args(napi_env env, napi_callback_info info, size_t want, int32_t *out) {
  napi_value argv[4];
  size_t argc = 4;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (want > 4 || argc < want) {
    napi_throw_type_error(env, NULL, "not enough arguments");
    return -1;
  }
  for (size_t i = 0; i < want; i++) {
    if (napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "expected an integer argument");
      return -1;
    }
  }
  return 0;
}

int read_fd_and_buffer(napi_env env, napi_callback_info info, int32_t *fd, void **data, size_t *length) {
  napi_value argv[2];
  size_t argc = 2;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected (fd, buffer)");
    return -1;
  }
  bool is_typed;
  napi_is_typedarray(env, argv[1], &is_typed);
  napi_typedarray_type type;
  size_t offset;
  napi_value arraybuffer;
  if (!is_typed || napi_get_typedarray_info(env, argv[1], &type, length, data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return -1;
  }
  return 0;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"setns", NULL, js_setns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkOpen", NULL, js_netlink_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkSend", NULL, js_netlink_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkRecv", NULL, js_netlink_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"flock", NULL, js_flock, NULL, NULL, NULL, napi_enumerable, NULL},
      {"runProcess", NULL, js_run_process, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha2", NULL, js_sha2, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
