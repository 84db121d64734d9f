/* spawn_exec PROGRAM [ARGS...]: enters sub/ and starts PROGRAM with posix_spawn (glibc: clone or clone3
 * with CLONE_VM|CLONE_VFORK, then exec), waits for it, and writes parent.txt. The tests pass touch. */
#include "fixture.h"
#include <spawn.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 2) fail(0, "usage: spawn_exec PROGRAM [ARGS...]");
    enter_subdir();
    pid_t pid;
    int error = posix_spawn(&pid, argv[1], NULL, NULL, argv + 1, environ);
    if (error != 0) fail(error, "posix_spawn %s", argv[1]);
    wait_ok(pid, "spawned program");
    write_file("parent.txt");
    return 0;
}
