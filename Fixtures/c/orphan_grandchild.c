/* orphan_grandchild: enters sub/ and forks a child that forks a grandchild and exits at once; the
 * fixture itself exits as soon as the child is gone. The orphaned grandchild sleeps 300 ms, then writes
 * grandchild.txt: a tracer that stops when the command exits would miss it (and, with
 * PTRACE_O_EXITKILL, kill it before it writes). */
#include "fixture.h"

int main(void) {
    enter_subdir();
    pid_t child = fork();
    if (child < 0) fail(errno, "fork");
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild < 0) fail(errno, "fork grandchild");
        if (grandchild == 0) {
            usleep(300 * 1000);
            write_file("grandchild.txt");
            _exit(0);
        }
        _exit(0);
    }
    wait_ok(child, "child");
    write_file("parent.txt");
    return 0;
}
