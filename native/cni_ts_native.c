/*
 * The few system calls Node does not expose and cni-ts needs: entering a
 * network namespace (setns), talking rtnetlink synchronously (an AF_NETLINK
 * socket), and advisory file locks (flock). Everything is synchronous on
 * purpose: a CNI plugin does one short job, and namespace switches are
 * per-thread, so the work must stay on the main thread.
 *
 * Errors are thrown as JS Errors carrying `errno` (positive) and `syscall`;
 * src/native/ turns them into typed SyscallErrors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
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

static int read_int_args(napi_env env, napi_callback_info info, size_t want, int32_t *out) {
  napi_value argv[4];
  size_t argc = 4;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < want) {
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

static int read_fd_and_buffer(napi_env env, napi_callback_info info, int32_t *fd, void **data, size_t *length) {
  napi_value argv[2];
  size_t argc = 2;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected (fd, buffer)");
    return -1;
  }
  bool is_typed;
  napi_is_typedarray(env, argv[1], &is_typed);
  if (!is_typed) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return -1;
  }
  napi_typedarray_type type;
  size_t element_count, offset;
  napi_value arraybuffer;
  if (napi_get_typedarray_info(env, argv[1], &type, &element_count, data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return -1;
  }
  *length = element_count;
  return 0;
}

/* setns(fd, nstype): move the calling thread into the namespace behind fd. */
static napi_value js_setns(napi_env env, napi_callback_info info) {
  int32_t args[2];
  if (read_int_args(env, info, 2, args) < 0) return NULL;
  if (setns(args[0], args[1]) < 0) return throw_errno(env, "setns", errno);
  return NULL;
}

/* netlinkOpen(protocol): a bound, close-on-exec netlink socket in the current namespace. */
static napi_value js_netlink_open(napi_env env, napi_callback_info info) {
  int32_t protocol;
  if (read_int_args(env, info, 1, &protocol) < 0) return NULL;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1;
  /* Extended acks give the kernel's own error text; strict checking makes
   * dumps honour the filters we pass. Both are best effort on old kernels. */
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  int rcvbuf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

/* netlinkSend(fd, bytes): send one datagram to the kernel. */
static napi_value js_netlink_send(napi_env env, napi_callback_info info) {
  int32_t fd;
  void *data;
  size_t length;
  if (read_fd_and_buffer(env, info, &fd, &data, &length) < 0) return NULL;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t sent;
  do {
    sent = sendto(fd, data, length, 0, (struct sockaddr *)&kernel, sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return throw_errno(env, "sendto", errno);
  return NULL;
}

/* netlinkRecv(fd, buffer): receive one datagram into buffer, return its length. */
static napi_value js_netlink_recv(napi_env env, napi_callback_info info) {
  int32_t fd;
  void *data;
  size_t length;
  if (read_fd_and_buffer(env, info, &fd, &data, &length) < 0) return NULL;
  ssize_t received;
  do {
    received = recv(fd, data, length, MSG_TRUNC);
  } while (received < 0 && errno == EINTR);
  if (received < 0) return throw_errno(env, "recv", errno);
  if ((size_t)received > length) return throw_errno(env, "recv", EMSGSIZE);
  napi_value result;
  napi_create_int64(env, received, &result);
  return result;
}

/* flock(fd, operation): returns false only for LOCK_NB when the lock is held elsewhere. */
static napi_value js_flock(napi_env env, napi_callback_info info) {
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"setns", NULL, js_setns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkOpen", NULL, js_netlink_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkSend", NULL, js_netlink_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkRecv", NULL, js_netlink_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"flock", NULL, js_flock, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
