/* fork_child: enters sub/ and forks; the child chdirs to childdir/ (its own cwd, not the parent's) and
 * writes child.txt there; the parent waits for it, then writes parent.txt. The child's cwd change must
 * not leak into the parent's paths. */
#include "fixture.h"

int main(void) {
    enter_subdir();
    if (mkdir("childdir", 0755) != 0) fail(errno, "mkdir childdir");
    pid_t pid = fork();
    if (pid < 0) fail(errno, "fork");
    if (pid == 0) {
        if (chdir("childdir") != 0) fail(errno, "chdir childdir");
        write_file("child.txt");
        _exit(0);
    }
    wait_ok(pid, "child");
    write_file("parent.txt");
    return 0;
}
