/*
 * A synchronous netlink socket (rtnetlink, nfnetlink). Node has no
 * AF_NETLINK, and the `netlink` package's socket is asynchronous, while a
 * request made inside a setns window must not yield the thread.
 */
#include "addon.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

/* netlinkOpen(protocol): a bound, close-on-exec netlink socket in the current namespace. */
napi_value js_netlink_open(napi_env env, napi_callback_info info) {
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
napi_value js_netlink_send(napi_env env, napi_callback_info info) {
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
napi_value js_netlink_recv(napi_env env, napi_callback_info info) {
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
