/* exec_chain LAST [thread] [LEVEL]: a chain of LAST nested execs of this program. Level 0 (the command,
 * started without LEVEL) enters sub/; each level writes level-NNN.txt and, below LAST, execs itself
 * (argv[0], which must be a path) with LEVEL + 1. With "thread", odd levels exec from a second thread
 * while the leader sits in pthread_join, so half the execs come from a thread that is not the leader. */
#include "fixture.h"
#include <pthread.h>

static char *next_argv[5];

static void *exec_next(void *unused) {
    (void)unused;
    execv(next_argv[0], next_argv);
    fail(errno, "execv %s", next_argv[0]);
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 4) fail(0, "usage: exec_chain LAST [thread|plain] [LEVEL]");
    int last = atoi(argv[1]);
    int threaded = argc > 2 && strcmp(argv[2], "thread") == 0;
    int level = argc > 3 ? atoi(argv[3]) : 0;
    if (level == 0) enter_subdir();
    char name[32];
    snprintf(name, sizeof name, "level-%03d.txt", level);
    write_file(name);
    if (level == last) return 0;
    char next_level[16];
    snprintf(next_level, sizeof next_level, "%d", level + 1);
    next_argv[0] = argv[0];
    next_argv[1] = argv[1];
    next_argv[2] = threaded ? "thread" : "plain";
    next_argv[3] = next_level;
    next_argv[4] = NULL;
    if (threaded && level % 2 == 1) {
        pthread_t thread;
        int error = pthread_create(&thread, NULL, exec_next, NULL);
        if (error != 0) fail(error, "pthread_create");
        pthread_join(thread, NULL);
        fail(0, "the exec'ing thread returned");
    }
    exec_next(NULL);
    return 0;
}
