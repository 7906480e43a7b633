/*
 * What cni-ts needs and Node does not expose, or not cheaply: entering a
 * network namespace (setns), talking rtnetlink synchronously (an AF_NETLINK
 * socket), advisory file locks (flock), fork/exec of tools, handing the
 * kernel's last waits to a detached child, and SHA-2 from the OpenSSL the
 * Node executable carries. Everything is synchronous on purpose: a CNI
 * plugin does one short job, and namespace switches are per-thread, so the
 * work must stay on the main thread.
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

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <node_api.h>
/* SHA*_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, which costs a fetch: see js_sha2. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

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

/*
 * sha2(bits, data) -> Buffer: the SHA-256 or SHA-512 digest of data, by the
 * OpenSSL inside the Node executable (exported for addons): the plugins hash
 * a few dozen bytes per run for names, and loading node:crypto for that cost
 * more than the rest of the hashing path. The low-level SHA*_Init/Update/
 * Final, not the one-shot SHA256()/SHA512(): since OpenSSL 3 those go through
 * EVP_Q_digest, whose first call in a process fetches the algorithm from the
 * provider (0.22 ms against 0.05 ms for this, first call, measured).
 */
static napi_value js_sha2(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t bits;
  void *data;
  size_t length;
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t offset;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &bits) != napi_ok || (bits != 256 && bits != 512) ||
      napi_get_typedarray_info(env, argv[1], &type, &length, &data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected (256 | 512, data: Uint8Array)");
    return NULL;
  }
  unsigned char digest[SHA512_DIGEST_LENGTH];
  size_t digest_length = bits == 256 ? SHA256_DIGEST_LENGTH : SHA512_DIGEST_LENGTH;
  if (bits == 256) {
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, data, length);
    SHA256_Final(digest, &context);
  } else {
    SHA512_CTX context;
    SHA512_Init(&context);
    SHA512_Update(&context, data, length);
    SHA512_Final(digest, &context);
  }
  napi_value result;
  void *copy;
  napi_create_buffer_copy(env, digest_length, digest, &copy, &result);
  return result;
}

/* ---- runProcess ----------------------------------------------------------
 * A synchronous fork/exec for the tools a plugin runs (iptables-restore, nft,
 * a delegated IPAM plugin). Two reasons not to use child_process.spawnSync:
 * the child gets PR_SET_PDEATHSIG(SIGKILL), so when the runtime kills the
 * plugin on a timeout the half-done iptables-restore dies with it instead of
 * committing rules after the runtime's DEL; and it avoids loading
 * child_process and a libuv loop, which a plugin start pays for.
 */

struct child_io {
  const unsigned char *input;
  size_t input_length;
  unsigned char *out[2];
  size_t out_length[2];
  size_t out_capacity[2];
};

static int append_output(struct child_io *io, int which, int fd) {
  if (io->out_capacity[which] - io->out_length[which] < 65536) {
    size_t capacity = io->out_capacity[which] ? io->out_capacity[which] * 2 : 131072;
    unsigned char *grown = realloc(io->out[which], capacity);
    if (!grown) return -ENOMEM;
    io->out[which] = grown;
    io->out_capacity[which] = capacity;
  }
  ssize_t n = read(fd, io->out[which] + io->out_length[which], io->out_capacity[which] - io->out_length[which]);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : -errno;
  io->out_length[which] += (size_t)n;
  return n == 0 ? 0 : 1;
}

/* Feed stdin and drain stdout/stderr until both close; returns 0 or -errno. */
static int pump(struct child_io *io, int in_fd, int out_fd, int err_fd) {
  size_t written = 0;
  struct pollfd fds[3] = {{in_fd, POLLOUT, 0}, {out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  if (io->input_length == 0) {
    close(in_fd);
    fds[0].fd = -1;
  }
  while (fds[0].fd >= 0 || fds[1].fd >= 0 || fds[2].fd >= 0) {
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (fds[0].fd >= 0 && fds[0].revents) {
      ssize_t n = (fds[0].revents & POLLOUT) ? write(fds[0].fd, io->input + written, io->input_length - written) : -1;
      if (n > 0) written += (size_t)n;
      if (n < 0 && errno != EINTR && errno != EAGAIN) written = io->input_length; /* reader gone: stop feeding */
      if (written == io->input_length) {
        close(fds[0].fd);
        fds[0].fd = -1;
      }
    }
    for (int i = 1; i < 3; i++) {
      if (fds[i].fd >= 0 && fds[i].revents) {
        int rc = append_output(io, i - 1, fds[i].fd);
        if (rc < 0) return rc;
        if (rc == 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
        }
      }
    }
  }
  return 0;
}

static char **string_array(napi_env env, napi_value array) {
  uint32_t count = 0;
  napi_get_array_length(env, array, &count);
  char **strings = calloc(count + 1, sizeof(char *));
  if (!strings) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    size_t length = 0;
    napi_get_element(env, array, i, &item);
    if (napi_get_value_string_utf8(env, item, NULL, 0, &length) != napi_ok) length = 0;
    strings[i] = malloc(length + 1);
    if (!strings[i]) return strings; /* NULL-terminated early; the exec will fail cleanly */
    napi_get_value_string_utf8(env, item, strings[i], length + 1, &length);
  }
  return strings;
}

static void free_strings(char **strings) {
  if (!strings) return;
  for (char **p = strings; *p; p++) free(*p);
  free(strings);
}

/* runProcess(path, argv[], envp[], input: Uint8Array) -> {status, signal, stdout, stderr} */
static napi_value js_run_process(napi_env env, napi_callback_info info) {
  napi_value argv_js[4];
  size_t argc = 4;
  napi_get_cb_info(env, info, &argc, argv_js, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "expected (path, argv, envp, input)");
    return NULL;
  }
  char path[4096];
  size_t path_length;
  if (napi_get_value_string_utf8(env, argv_js[0], path, sizeof path, &path_length) != napi_ok) {
    napi_throw_type_error(env, NULL, "path must be a string");
    return NULL;
  }
  struct child_io io = {0};
  void *input_data = NULL;
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t offset;
  if (napi_get_typedarray_info(env, argv_js[3], &type, &io.input_length, &input_data, &arraybuffer, &offset) != napi_ok) {
    napi_throw_type_error(env, NULL, "input must be a Uint8Array");
    return NULL;
  }
  io.input = input_data;
  char **child_argv = string_array(env, argv_js[1]);
  char **child_envp = string_array(env, argv_js[2]);
  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, exec_pipe[2] = {-1, -1};
  int failure = 0;
  const char *failed_call = "pipe2";
  if (!child_argv || !child_envp) {
    failure = ENOMEM;
  } else if (pipe2(in_pipe, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0 ||
             pipe2(exec_pipe, O_CLOEXEC) < 0) {
    failure = errno;
  } else {
    /* The plugin's ends never block: the pump polls them (a blocking write of
     * a large input would deadlock against a child blocked on its output). */
    fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
    fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  }
  pid_t pid = -1;
  pid_t parent = getpid();
  if (!failure) {
    failed_call = "vfork";
    pid = vfork();
    if (pid == 0) {
      /* Child: only async-signal-safe calls until execve. */
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127); /* the plugin died before the line above */
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      signal(SIGPIPE, SIG_DFL);
      dup2(in_pipe[0], 0);
      dup2(out_pipe[1], 1);
      dup2(err_pipe[1], 2);
      execve(path, child_argv, child_envp);
      int err = errno;
      ssize_t ignored = write(exec_pipe[1], &err, sizeof err);
      (void)ignored;
      _exit(127);
    }
    if (pid < 0) failure = errno;
  }
  int pipes[] = {in_pipe[0], out_pipe[1], err_pipe[1], exec_pipe[1]};
  for (size_t i = 0; i < sizeof pipes / sizeof pipes[0]; i++)
    if (pipes[i] >= 0) close(pipes[i]);
  int exec_errno = 0;
  if (!failure) {
    ssize_t n;
    do {
      n = read(exec_pipe[0], &exec_errno, sizeof exec_errno);
    } while (n < 0 && errno == EINTR);
    if (n != sizeof exec_errno) exec_errno = 0;
    failed_call = "poll";
    int rc = exec_errno ? 0 : pump(&io, in_pipe[1], out_pipe[0], err_pipe[0]);
    if (rc < 0) failure = -rc;
  }
  if (exec_pipe[0] >= 0) close(exec_pipe[0]);
  if (exec_errno || failure) {
    /* The pump closes what it finishes; close the rest. */
    int rest[] = {in_pipe[1], out_pipe[0], err_pipe[0]};
    for (size_t i = 0; i < 3; i++)
      if (rest[i] >= 0) close(rest[i]);
  }
  int status = 0;
  if (pid > 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  free_strings(child_argv);
  free_strings(child_envp);
  if (failure || exec_errno) {
    free(io.out[0]);
    free(io.out[1]);
    return throw_errno(env, exec_errno ? "execve" : failed_call, exec_errno ? exec_errno : failure);
  }
  napi_value result, status_value, signal_value, stdout_value, stderr_value;
  napi_create_object(env, &result);
  if (WIFEXITED(status)) {
    napi_create_int32(env, WEXITSTATUS(status), &status_value);
    napi_get_null(env, &signal_value);
  } else {
    napi_get_null(env, &status_value);
    napi_create_int32(env, WTERMSIG(status), &signal_value);
  }
  void *copy;
  napi_create_buffer_copy(env, io.out_length[0], io.out[0] ? io.out[0] : (void *)"", &copy, &stdout_value);
  napi_create_buffer_copy(env, io.out_length[1], io.out[1] ? io.out[1] : (void *)"", &copy, &stderr_value);
  free(io.out[0]);
  free(io.out[1]);
  napi_set_named_property(env, result, "status", status_value);
  napi_set_named_property(env, result, "signal", signal_value);
  napi_set_named_property(env, result, "stdout", stdout_value);
  napi_set_named_property(env, result, "stderr", stderr_value);
  return result;
}

/* ---- Detached kernel waits -----------------------------------------------
 * Three kernel operations a plugin must start but need not sit through:
 *
 * - Deleting a link. The kernel unlists the device (its name, addresses,
 *   routes and bridge port are gone, and RTM_DELLINK is announced) within a
 *   millisecond or two, then waits out RCU grace periods before freeing it,
 *   still inside the same sendmsg(): ~15 ms of every DEL on a small node.
 * - Closing an nfnetlink socket after an nf_tables commit: the last close
 *   waits for nf_tables to free the committed transaction after a grace
 *   period, 10-15 ms measured when it lands right after a link deletion.
 * - Freeing the process's memory at exit: ~2-3 ms of unmapping, after the
 *   answer is written but before the runtime sees EOF and the exit status.
 *
 * All three hand the waiting part to a child process that outlives the plugin.
 * It is cloned with CLONE_VM (no copy of the plugin's page tables, which
 * made a fork() cost ~1 ms) onto a stack of its own, and so shares the
 * plugin's memory and even this thread's TLS: it must not touch libc state,
 * errno included, and makes only raw system calls. It leaves the plugin's
 * session, closes every descriptor it does not need before it waits (the
 * runtime reads our stdout to EOF), and exits when the kernel answers; the
 * plugin has answered by then, and init reaps the child.
 */

#include <sys/mman.h>

#if defined(__x86_64__)
static long raw_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
  long ret;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
static long raw_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a1;
  register long x1 __asm__("x1") = a2;
  register long x2 __asm__("x2") = a3;
  register long x3 __asm__("x3") = a4;
  register long x4 __asm__("x4") = a5;
  register long x5 __asm__("x5") = a6;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory", "cc");
  return x0;
}
#else
#error "the detached child's raw system calls are written for x86_64 and aarch64"
#endif

#define RAW0(n) raw_syscall(n, 0, 0, 0, 0, 0, 0)
#define RAW1(n, a) raw_syscall(n, (long)(a), 0, 0, 0, 0, 0)
#define RAW3(n, a, b, c) raw_syscall(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define RAW4(n, a, b, c, d) raw_syscall(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define RAW6(n, a, b, c, d, e, f) raw_syscall(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static void __attribute__((noreturn)) raw_exit(int code) {
  for (;;) RAW1(SYS_exit, code);
}

#define DETACHED_STACK (64 * 1024)
#define DETACHED_REQUEST_MAX 1024

/* What a detached child does, in memory it keeps to itself (the top of its stack mapping). */
struct detached_job {
  int keep[2];    /* descriptors it keeps, ascending; all others are closed first */
  int socket_fd;  /* DELETE: where it sends; CLOSE: what it closes last (-1: nothing, only wait) */
  int relay_fd;   /* DELETE: where it writes the kernel's answer; CLOSE: EOF once the plugin let go */
  int delete_link;
  uint32_t seq;
  size_t request_length;
  unsigned char request[DETACHED_REQUEST_MAX];
  unsigned char reply[8192];
};

/* Close descriptors first..last (close_range, or one by one before Linux 5.9). */
static void raw_close_span(unsigned int first, unsigned int last) {
  if (RAW3(SYS_close_range, first, last, 0) == 0) return;
  for (unsigned int fd = first; fd <= last && fd < 65536; fd++) RAW1(SYS_close, fd);
}

/* Close every descriptor but keep[0] and keep[1] (ascending; may be equal). */
static void raw_close_all_but(const int keep[2]) {
  unsigned int low = 0;
  for (int i = 0; i < 2; i++) {
    unsigned int kept = (unsigned int)keep[i];
    if (kept > low) raw_close_span(low, kept - 1);
    if (kept >= low) low = kept + 1;
  }
  raw_close_span(low, ~0U);
}

static int detached_main(void *arg) {
  struct detached_job *job = arg;
  RAW0(SYS_setsid);
  unsigned long pipe_signal = 1UL << (SIGPIPE - 1); /* a write to a closed relay fails instead of killing us */
  RAW4(SYS_rt_sigprocmask, SIG_BLOCK, &pipe_signal, 0, sizeof pipe_signal);
  raw_close_all_but(job->keep);
  if (!job->delete_link) {
    char byte;
    while (RAW3(SYS_read, job->relay_fd, &byte, 1) == -EINTR) {
    }
    if (job->socket_fd >= 0) RAW1(SYS_close, job->socket_fd);
    raw_exit(0);
  }
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  long n;
  do {
    n = RAW6(SYS_sendto, job->socket_fd, job->request, job->request_length, 0, &kernel, sizeof kernel);
  } while (n == -EINTR);
  if (n < 0) raw_exit(1); /* the plugin sees EOF on the relay */
  for (;;) {
    n = RAW6(SYS_recvfrom, job->socket_fd, job->reply, sizeof job->reply, 0, 0, 0);
    if (n == -EINTR) continue;
    if (n <= 0) raw_exit(1);
    for (size_t off = 0; off + sizeof(struct nlmsghdr) <= (size_t)n;) {
      const struct nlmsghdr *h = (const struct nlmsghdr *)(job->reply + off);
      if (h->nlmsg_len < sizeof *h || off + h->nlmsg_len > (size_t)n) break;
      if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == job->seq) {
        RAW3(SYS_write, job->relay_fd, h, h->nlmsg_len); /* < PIPE_BUF: one atomic write */
        raw_exit(0);
      }
      off += NLMSG_ALIGN(h->nlmsg_len);
    }
  }
}

/* A job in a fresh mapping that also holds the child's stack (never unmapped: the child may outlive us). */
static struct detached_job *new_job(void) {
  void *region = mmap(NULL, DETACHED_STACK + sizeof(struct detached_job), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (region == MAP_FAILED) return NULL;
  return (struct detached_job *)((char *)region + DETACHED_STACK);
}

static pid_t start_detached(struct detached_job *job) {
  if (job->keep[0] > job->keep[1]) {
    int t = job->keep[0];
    job->keep[0] = job->keep[1];
    job->keep[1] = t;
  }
  /* The stack grows down from just below the job. */
  return clone(detached_main, (char *)job - 64, CLONE_VM | SIGCHLD, job);
}

/*
 * netlinkDeleteLinkDetached(sendFd, watchFd, request, index) -> Buffer | null
 *
 * Sends `request` (an RTM_DELLINK for `index`, NLM_F_ACK set) on sendFd from
 * a detached child, and returns as soon as either watchFd (a NETLINK_ROUTE
 * socket in the same namespace, joined here to RTNLGRP_LINK) announces the
 * link deleted (null), or the child relays the kernel's answer (its bytes:
 * an NLMSG_ERROR, errno 0 for success). sendFd belongs to the child from
 * here on; the caller only closes its own copy.
 */
static napi_value js_netlink_delete_link_detached(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t send_fd, watch_fd, index;
  void *request;
  size_t request_length;
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t offset;
  if (argc < 4 || napi_get_value_int32(env, argv[0], &send_fd) != napi_ok ||
      napi_get_value_int32(env, argv[1], &watch_fd) != napi_ok || napi_get_value_int32(env, argv[3], &index) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &type, &request_length, &request, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array || request_length < sizeof(struct nlmsghdr) || request_length > DETACHED_REQUEST_MAX) {
    napi_throw_type_error(env, NULL, "expected (sendFd, watchFd, request: Uint8Array of at most 1 KiB, index)");
    return NULL;
  }
  int group = 1; /* RTNLGRP_LINK */
  if (setsockopt(watch_fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
    return throw_errno(env, "setsockopt", errno);
  int relay[2];
  if (pipe2(relay, O_CLOEXEC) < 0) return throw_errno(env, "pipe2", errno);
  struct detached_job *job = new_job();
  if (!job) {
    close(relay[0]);
    close(relay[1]);
    return throw_errno(env, "mmap", ENOMEM);
  }
  job->delete_link = 1;
  job->socket_fd = send_fd;
  job->relay_fd = relay[1];
  job->keep[0] = send_fd;
  job->keep[1] = relay[1];
  job->seq = ((const struct nlmsghdr *)request)->nlmsg_seq;
  job->request_length = request_length;
  memcpy(job->request, request, request_length);
  if (start_detached(job) < 0) {
    int err = errno;
    close(relay[0]);
    close(relay[1]);
    return throw_errno(env, "clone", err);
  }
  close(relay[1]);
  unsigned char buffer[8192];
  struct pollfd fds[2] = {{watch_fd, POLLIN, 0}, {relay[0], POLLIN, 0}};
  napi_value result = NULL;
  int failure = 0;
  const char *failed_call = NULL;
  while (!result && !failure) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      failure = errno;
      failed_call = "poll";
      break;
    }
    if (fds[1].revents) {
      ssize_t n = read(relay[0], buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failure = EPIPE; /* the child could not send or receive: the link's fate is unknown */
        failed_call = "netlink relay";
        break;
      }
      void *copy;
      napi_create_buffer_copy(env, (size_t)n, buffer, &copy, &result);
      break;
    }
    if (fds[0].revents) {
      ssize_t n = recv(watch_fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n < 0) {
        /* Missed announcements (ENOBUFS) or a broken socket: wait for the child's answer alone. */
        if (errno != EINTR && errno != EAGAIN) fds[0].fd = -1;
        continue;
      }
      for (size_t off = 0; off + sizeof(struct nlmsghdr) <= (size_t)n;) {
        const struct nlmsghdr *h = (const struct nlmsghdr *)(buffer + off);
        if (h->nlmsg_len < sizeof *h || off + h->nlmsg_len > (size_t)n) break;
        /* struct ifinfomsg: family, pad, type (u16), then the index (s32) at offset 4. */
        if (h->nlmsg_type == 17 /* RTM_DELLINK */ && h->nlmsg_len >= NLMSG_LENGTH(16)) {
          int32_t deleted;
          memcpy(&deleted, (const unsigned char *)NLMSG_DATA(h) + 4, sizeof deleted);
          if (deleted == index) {
            napi_get_null(env, &result);
            break;
          }
        }
        off += NLMSG_ALIGN(h->nlmsg_len);
      }
    }
  }
  close(relay[0]);
  if (failure) return throw_errno(env, failed_call, failure);
  return result;
}

/*
 * closeDetached(fd): close fd without waiting for what its last close waits
 * for. A detached child keeps a reference until this process has dropped its
 * own (the relay pipe's EOF says so), then closes it and exits. Never throws:
 * without a child, fd is closed here.
 */
static napi_value js_close_detached(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (read_int_args(env, info, 1, &fd) < 0) return NULL;
  int relay[2] = {-1, -1};
  struct detached_job *job = NULL;
  if (pipe2(relay, O_CLOEXEC) == 0 && (job = new_job()) != NULL) {
    job->socket_fd = fd;
    job->relay_fd = relay[0];
    job->keep[0] = fd;
    job->keep[1] = relay[0];
    start_detached(job); /* without a child, the close below is the last one, done here */
  }
  if (relay[0] >= 0) close(relay[0]);
  close(fd);
  if (relay[1] >= 0) close(relay[1]);
  return NULL;
}

/*
 * exitDetached(status): end the process at once, as _exit(2) does, and
 * leave the freeing of its address space to a detached child that shares
 * it. The kernel frees a process's memory when its last user exits: alone,
 * a plugin's exit waits ~2-3 ms for that (the executable's mapped pages and
 * the V8 heap), and the runtime sees neither stdout's EOF nor the exit
 * status before. The child holds the memory until the relay pipe says we
 * are gone, then exits, and the freeing happens there. Node's own exit
 * steps (joining its threads, atexit cleanup) are skipped too: the caller
 * has written everything synchronously.
 *
 * Every other descriptor is closed here, before the clone: the child then
 * holds no copy of stdout, so the runtime's EOF never waits for the child
 * to be scheduled. Without a child, this is _exit.
 */
static napi_value js_exit_detached(napi_env env, napi_callback_info info) {
  int32_t status;
  if (read_int_args(env, info, 1, &status) < 0) return NULL;
  int relay[2];
  struct detached_job *job;
  if (pipe2(relay, O_CLOEXEC) == 0 && (job = new_job()) != NULL) {
    const int ours[2] = {relay[0] < relay[1] ? relay[0] : relay[1], relay[0] < relay[1] ? relay[1] : relay[0]};
    raw_close_all_but(ours);
    job->socket_fd = -1;
    job->relay_fd = relay[0];
    job->keep[0] = relay[0];
    job->keep[1] = relay[0];
    start_detached(job);
  }
  _exit(status & 0xff);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"setns", NULL, js_setns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkOpen", NULL, js_netlink_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkSend", NULL, js_netlink_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkRecv", NULL, js_netlink_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"flock", NULL, js_flock, NULL, NULL, NULL, napi_enumerable, NULL},
      {"runProcess", NULL, js_run_process, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netlinkDeleteLinkDetached", NULL, js_netlink_delete_link_detached, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeDetached", NULL, js_close_detached, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha2", NULL, js_sha2, NULL, NULL, NULL, napi_enumerable, NULL},
      {"exitDetached", NULL, js_exit_detached, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
