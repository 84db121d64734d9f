/* many_children N PARALLEL: enters sub/ and forks N short children, at most PARALLEL at a time; child I
 * writes c-NNNNN.txt and _exits 0. Every child's status is checked. */
#include "fixture.h"

int main(int argc, char **argv) {
    if (argc != 3) fail(0, "usage: many_children N PARALLEL");
    long count = atol(argv[1]);
    long parallel = atol(argv[2]);
    if (parallel < 1) fail(0, "PARALLEL must be at least 1");
    enter_subdir();
    long running = 0;
    for (long i = 0; i < count; i++) {
        if (running == parallel) {
            int status;
            if (wait(&status) < 0) fail(errno, "wait");
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail(0, "a child ended with 0x%x", status);
            running--;
        }
        pid_t pid = fork();
        if (pid < 0) fail(errno, "fork");
        if (pid == 0) {
            char name[32];
            snprintf(name, sizeof name, "c-%05ld.txt", i);
            int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            _exit(fd >= 0 ? 0 : 1);
        }
        running++;
    }
    int status;
    while (running > 0) {
        if (wait(&status) < 0) fail(errno, "wait");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail(0, "a child ended with 0x%x", status);
        running--;
    }
    return 0;
}
