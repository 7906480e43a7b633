/*
 * The pieces of cni-ts's addon share these helpers. Every function is
 * synchronous: namespace switches are per thread, so a plugin's work stays
 * on the main thread. Errors are thrown as JS Errors carrying `errno`
 * (positive) and `syscall`; src/native/addon.ts turns them into SyscallErrors.
 */
#ifndef CNI_TS_ADDON_H
#define CNI_TS_ADDON_H

#include <stddef.h>
#include <stdint.h>

#include <node_api.h>

/* Throw an Error for errno `err` from `syscall`; returns NULL for the caller to return. */
napi_value throw_errno(napi_env env, const char *syscall, int err);
/* Read `want` int32 arguments into `out`; on failure a TypeError is pending and -1 returned. */
int read_int_args(napi_env env, napi_callback_info info, size_t want, int32_t *out);
/* Read (fd: int32, bytes: Uint8Array); on failure a TypeError is pending and -1 returned. */
int read_fd_and_buffer(napi_env env, napi_callback_info info, int32_t *fd, void **data, size_t *length);

napi_value js_setns(napi_env env, napi_callback_info info);
napi_value js_flock(napi_env env, napi_callback_info info);
napi_value js_netlink_open(napi_env env, napi_callback_info info);
napi_value js_netlink_send(napi_env env, napi_callback_info info);
napi_value js_netlink_recv(napi_env env, napi_callback_info info);
napi_value js_run_process(napi_env env, napi_callback_info info);
napi_value js_sha2(napi_env env, napi_callback_info info);

#endif
