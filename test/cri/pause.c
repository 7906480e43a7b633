/*
 * The pod sandbox's one process, built statically so the image needs no
 * libc: it only holds the pod's namespaces open. It exits on SIGINT/SIGTERM
 * (the runtime's stop) and reaps any orphan re-parented to it, as PID 1 must.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) { (void)sig; _exit(0); }

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, 0, WNOHANG) > 0) {
  }
}

int main(void) {
  signal(SIGINT, quit);
  signal(SIGTERM, quit);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
