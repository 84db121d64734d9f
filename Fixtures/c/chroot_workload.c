/* chroot_workload DIR [child]: built -static for an empty root that has no libc. Enters DIR, reads in.txt,
 * writes out.txt, then forks a child that execs this program again (argv[0], which must be a path) with
 * "child", which writes child.txt in the inherited current directory. The test creates DIR/in.txt. */
#include "fixture.h"

int main(int argc, char **argv) {
    if (argc < 2) fail(0, "usage: chroot_workload DIR [child]");
    if (argc > 2 && strcmp(argv[2], "child") == 0) {
        write_file("child.txt");
        return 0;
    }
    if (chdir(argv[1]) != 0) fail(errno, "chdir %s", argv[1]);
    read_file("in.txt");
    write_file("out.txt");
    pid_t pid = fork();
    if (pid < 0) fail(errno, "fork");
    if (pid == 0) {
        char *again[] = {argv[0], argv[1], "child", NULL};
        execv(argv[0], again);
        fail(errno, "execv %s", argv[0]);
    }
    wait_ok(pid, "child");
    return 0;
}
