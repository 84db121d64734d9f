/* static_opens: built with -static (no dynamic loader, no libc.so opens). Enters sub/, reads in.txt,
 * writes out.txt, and forks a child that writes child.txt. The test creates sub/in.txt. */
#include "fixture.h"

int main(void) {
    enter_subdir();
    read_file("in.txt");
    write_file("out.txt");
    pid_t pid = fork();
    if (pid < 0) fail(errno, "fork");
    if (pid == 0) {
        write_file("child.txt");
        _exit(0);
    }
    wait_ok(pid, "child");
    return 0;
}
