/* fork_while_exec: enters sub/ and starts a thread that forks as fast as it can; each forked child writes
 * forked-N.txt and exits. Once 20 children exist, the main thread execs this program again (argv[0], with
 * "after"), which kills the forking thread wherever it is, possibly in the middle of a fork. The new
 * program writes after-exec.txt and reaps every child that was forked (they are still its children). Which
 * children exist is up to the race: the test compares the report with the files on disk. */
#include "fixture.h"
#include <pthread.h>
#include <stdatomic.h>

static atomic_int forked;

static void *fork_forever(void *unused) {
    (void)unused;
    for (int n = 0;; n++) {
        pid_t pid = fork();
        if (pid < 0) fail(errno, "fork");
        if (pid == 0) {
            char name[32];
            snprintf(name, sizeof name, "forked-%d.txt", n);
            write_file(name);
            _exit(0);
        }
        atomic_fetch_add(&forked, 1);
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "after") == 0) {
        write_file("after-exec.txt");
        int status, reaped = 0;
        pid_t pid;
        while ((pid = wait(&status)) > 0) {
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail(0, "child %d ended with 0x%x", pid, status);
            reaped++;
        }
        if (errno != ECHILD) fail(errno, "wait");
        printf("reaped %d children\n", reaped);
        return 0;
    }
    enter_subdir();
    pthread_t thread;
    int error = pthread_create(&thread, NULL, fork_forever, NULL);
    if (error != 0) fail(error, "pthread_create");
    while (atomic_load(&forked) < 20) sched_yield();
    char *again[] = {argv[0], "after", NULL};
    execv(argv[0], again);
    fail(errno, "execv %s", argv[0]);
}
