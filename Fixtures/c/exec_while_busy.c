/* exec_while_busy PROGRAM [ARGS...]: enters sub/; the leader and three more threads each read busy.txt
 * once, meet at a barrier, and then keep opening busy.txt in a loop, while a fifth thread execs PROGRAM
 * (the tests pass touch). The kernel kills the busy threads wherever they are, often in the middle of an
 * open whose exit the tracer is waiting for, and the exec'ing thread takes the leader's pid. */
#include "fixture.h"
#include <pthread.h>

#define BUSY 4
static pthread_barrier_t barrier;
static char **program;

static void busy_loop(void) {
    read_file("busy.txt");
    pthread_barrier_wait(&barrier);
    for (;;) {
        int fd = open("busy.txt", O_RDONLY);
        if (fd >= 0) close(fd);
    }
}

static void *busy_thread(void *unused) {
    (void)unused;
    busy_loop();
    return NULL;
}

static void *exec_thread(void *unused) {
    (void)unused;
    pthread_barrier_wait(&barrier);
    execv(program[0], program);
    fail(errno, "execv %s", program[0]);
}

int main(int argc, char **argv) {
    if (argc < 2) fail(0, "usage: exec_while_busy PROGRAM [ARGS...]");
    program = argv + 1;
    enter_subdir();
    pthread_barrier_init(&barrier, NULL, BUSY + 1);
    pthread_t thread;
    for (int i = 1; i < BUSY; i++) {
        int error = pthread_create(&thread, NULL, busy_thread, NULL);
        if (error != 0) fail(error, "pthread_create");
    }
    int error = pthread_create(&thread, NULL, exec_thread, NULL);
    if (error != 0) fail(error, "pthread_create");
    busy_loop();
}
