/* exec_while_reaping N PROGRAM [ARGS...]: enters sub/ and forks N children that wait on a pipe; then the
 * leader opens busy.txt in a loop while a thread closes the pipe, so that the N children wake and exit at
 * once, and execs PROGRAM. The tracer collects the children's stops and ends in long batches, and now and
 * then one holds a stop of the leader, collected before the exec killed it, and the exec event that the
 * exec'ing thread reports under the leader's tid (ptrace(2), "execve(2) under ptrace"): a race the fixture
 * makes likely (a few runs in a hundred, on 2 CPUs) but cannot force. */
#include "fixture.h"
#include <pthread.h>
#include <stdatomic.h>

static int go[2];
static char **program;
static atomic_int opened;

static void *exec_thread(void *unused) {
    (void)unused;
    while (atomic_load(&opened) < 10) sched_yield();
    close(go[1]);
    execv(program[0], program);
    fail(errno, "execv %s", program[0]);
}

int main(int argc, char **argv) {
    if (argc < 3) fail(0, "usage: exec_while_reaping N PROGRAM [ARGS...]");
    int count = atoi(argv[1]);
    program = argv + 2;
    enter_subdir();
    if (pipe(go) != 0) fail(errno, "pipe");
    for (int i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid < 0) fail(errno, "fork");
        if (pid == 0) {
            char byte;
            close(go[1]);
            if (read(go[0], &byte, 1) != 0) fail(errno, "read");
            _exit(0);
        }
    }
    close(go[0]);
    pthread_t thread;
    int error = pthread_create(&thread, NULL, exec_thread, NULL);
    if (error != 0) fail(error, "pthread_create");
    for (;;) {
        int fd = open("busy.txt", O_RDONLY);
        if (fd < 0) fail(errno, "open busy.txt");
        close(fd);
        atomic_fetch_add(&opened, 1);
    }
}
