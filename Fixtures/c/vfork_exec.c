/* vfork_exec PROGRAM [ARGS...]: enters sub/, vforks, and the child execs PROGRAM with ARGS (the tests
 * pass the touch fixture, which writes files in the cwd it inherits: sub/). The parent writes
 * parent.txt after the child has exec'd and exited, and exits with the child's status. */
#include "fixture.h"

int main(int argc, char **argv) {
    if (argc < 2) fail(0, "usage: vfork_exec PROGRAM [ARGS...]");
    enter_subdir();
    pid_t pid = vfork();
    if (pid < 0) fail(errno, "vfork");
    if (pid == 0) {
        execv(argv[1], argv + 1);
        _exit(127);
    }
    wait_ok(pid, "vforked child");
    write_file("parent.txt");
    return 0;
}
