/* thread_exec PROGRAM [ARGS...]: enters sub/ and writes before-exec.txt, then a second thread (not the
 * thread-group leader) execs PROGRAM with ARGS while the leader sits in pthread_join. The kernel kills
 * the leader and gives the exec'ing thread its pid (execve(2), ptrace(2) "execve under ptrace"). The
 * tests pass the touch fixture, which writes its files in sub/. */
#include "fixture.h"
#include <pthread.h>

static char **program;

static void *exec_program(void *unused) {
    (void)unused;
    execv(program[0], program);
    fail(errno, "execv %s", program[0]);
}

int main(int argc, char **argv) {
    if (argc < 2) fail(0, "usage: thread_exec PROGRAM [ARGS...]");
    program = argv + 1;
    enter_subdir();
    write_file("before-exec.txt");
    pthread_t thread;
    int error = pthread_create(&thread, NULL, exec_program, NULL);
    if (error != 0) fail(error, "pthread_create");
    pthread_join(thread, NULL);
    fail(0, "the exec'ing thread returned");
}
