/*
 * timed-run: run one command and report what it cost, measured from inside
 * a process that is already running, so its own start never counts.
 *
 *   timed-run PROGRAM [ARG...]
 *
 * stdin, stdout and stderr pass through to PROGRAM. On fd 3 it writes one
 * line "WALL_NS CPU_US STATUS": wall time from fork to wait4's return for
 * PROGRAM (CLOCK_MONOTONIC: what a runtime waits for), user + system CPU of
 * the command and every descendant, all threads, and the wait status. Any
 * descendant the command leaves running is adopted (timed-run is a
 * subreaper), waited for after the command has exited and its CPU added,
 * so none is left out and none overlaps the next measurement. fd 3 is
 * close-on-exec, so the command never sees it. Built by scripts/bench.ts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long cpu_us(const struct rusage *usage) {
  return (long long)(usage->ru_utime.tv_sec + usage->ru_stime.tv_sec) * 1000000LL + usage->ru_utime.tv_usec + usage->ru_stime.tv_usec;
}

int main(int argc, char **argv) {
  if (argc < 2 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0) {
    fprintf(stderr, "usage: timed-run PROGRAM [ARG...] (with fd 3 open for the report)\n");
    return 125;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) return 125;
  long long started = now_ns();
  pid_t pid = fork();
  if (pid < 0) return 125;
  if (pid == 0) {
    execv(argv[1], argv + 1);
    _exit(127);
  }
  int status;
  struct rusage usage;
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) return 125;
  }
  long long wall = now_ns() - started;
  long long cpu = cpu_us(&usage);
  for (;;) {
    pid_t left = wait4(-1, NULL, 0, &usage);
    if (left > 0) cpu += cpu_us(&usage);
    else if (errno != EINTR) break; /* ECHILD: nothing left */
  }
  dprintf(3, "%lld %lld %d\n", wall, cpu, status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
