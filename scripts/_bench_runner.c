/*
 * The process launcher of scripts/bench.ts, compiled by the benchmark with
 * gcc: starts COUNT copies of a program at once and waits for all of them.
 *
 *   _bench_runner COUNT STATE_FILE STDERR_FILE PROGRAM [ARG...]
 *
 * Each copy gets the bytes of STATE_FILE on a pipe as its stdin (as a
 * runtime gives a hook its state), /dev/null as stdout, STDERR_FILE
 * (truncated first, shared by the copies, opened for appending) as stderr,
 * and this environment. The copies are forked first and held at a barrier; the
 * clock starts when the barrier opens and stops when the last one has been
 * reaped, so that COUNT = 1 times one start and COUNT = 16 times a burst of
 * 16 starts at once, neither with the launcher's own fork in it.
 *
 * Prints one line:  WALL_US SUM_MAXRSS_KIB MAX_MAXRSS_KIB USER_US SYS_US
 * where the RSS values are ru_maxrss of each copy as wait4() reports it
 * (the copy's peak resident set, KiB) and USER/SYS the CPU time of all
 * copies. Exits 1 when a copy exits non-zero or is killed (after printing
 * its status on stderr), 2 on a usage or system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_COUNT 256
#define MAX_STATE (60 * 1024) /* fits the pipe buffer: written before the start */

static long long now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static long long tv_us(struct timeval t) { return (long long)t.tv_sec * 1000000 + t.tv_usec; }

static void die(const char *what) {
  fprintf(stderr, "_bench_runner: %s: %s\n", what, strerror(errno));
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: _bench_runner COUNT STATE_FILE STDERR_FILE PROGRAM [ARG...]\n");
    return 2;
  }
  int count = atoi(argv[1]);
  if (count < 1 || count > MAX_COUNT) {
    fprintf(stderr, "_bench_runner: COUNT must be 1 to %d\n", MAX_COUNT);
    return 2;
  }
  static char state[MAX_STATE];
  int sf = open(argv[2], O_RDONLY | O_CLOEXEC);
  if (sf < 0) die(argv[2]);
  ssize_t state_len = read(sf, state, sizeof state);
  if (state_len < 0) die("read state");
  close(sf);

  int barrier[2];
  if (pipe2(barrier, O_CLOEXEC) < 0) die("pipe");
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null < 0) die("/dev/null");
  int err = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (err < 0) die(argv[3]);
  pid_t pids[MAX_COUNT];
  for (int i = 0; i < count; i++) {
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0) die("pipe");
    if (write(in[1], state, (size_t)state_len) != state_len) die("write state");
    close(in[1]);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      char go;
      close(barrier[1]);
      if (read(barrier[0], &go, 1) < 0) _exit(127);
      if (dup2(in[0], 0) < 0 || dup2(null, 1) < 0 || dup2(err, 2) < 0) _exit(127);
      execv(argv[4], argv + 4);
      fprintf(stderr, "_bench_runner: %s: %s\n", argv[4], strerror(errno));
      _exit(127);
    }
    close(in[0]);
    pids[i] = pid;
  }
  long long start = now_us();
  close(barrier[1]); /* every copy's read() returns 0: they all go */
  long long sum_rss = 0, max_rss = 0, user = 0, sys = 0;
  int failed = 0;
  for (int i = 0; i < count; i++) {
    int status;
    struct rusage ru;
    if (wait4(pids[i], &status, 0, &ru) < 0) die("wait4");
    sum_rss += ru.ru_maxrss;
    if (ru.ru_maxrss > max_rss) max_rss = ru.ru_maxrss;
    user += tv_us(ru.ru_utime);
    sys += tv_us(ru.ru_stime);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "_bench_runner: copy %d: %s %d\n", i,
              WIFEXITED(status) ? "exit status" : "signal",
              WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
      failed = 1;
    }
  }
  long long wall = now_us() - start;
  printf("%lld %lld %lld %lld %lld\n", wall, sum_rss, max_rss, user, sys);
  return failed;
}
