/*
 * runProcess: a synchronous fork/exec for the tools a plugin runs
 * (iptables-restore, nft, a delegated IPAM plugin). Not child_process.spawnSync,
 * because the child gets PR_SET_PDEATHSIG(SIGKILL): when the runtime kills
 * the plugin on a timeout, a half-done iptables-restore dies with it instead
 * of committing rules after the runtime's DEL.
 */
#define _GNU_SOURCE
#include "addon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

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
napi_value js_run_process(napi_env env, napi_callback_info info) {
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
