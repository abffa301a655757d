/*
 * The stand-in nvidia-container-cli of scripts/bench.ts, compiled by the
 * benchmark with gcc: `--version` prints the first line a current CLI
 * prints (so that the hook learns 1.17.8 and passes --cuda-compat-mode=),
 * anything else exits 0 at once. The hook (which execs it) and the floor
 * (scripts/_bench_floor.ts) run the same binary, so both pay the same exec.
 */
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  static const char version[] = "cli-version: 1.17.8\nlib-version: 1.17.8\n";
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    return write(1, version, sizeof version - 1) == (ssize_t)(sizeof version - 1) ? 0 : 1;
  }
  return 0;
}
