/* leader_exit_exec PROGRAM [ARGS...]: enters sub/; the leader starts a second thread and ends itself with
 * pthread_exit, leaving a zombie leader and a live process. The second thread waits until the leader is
 * a zombie (/proc/self/task/PID/stat shows 'Z'), writes before-exec.txt, and execs PROGRAM (the tests
 * pass touch). The exec'ing thread takes the dead leader's pid. */
#include "fixture.h"
#include <pthread.h>
#include <time.h>

static char **program;
static pid_t leader;

static char task_state(pid_t tid) {
    char path[64], buffer[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return '?';
    ssize_t length = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (length <= 0) return '?';
    buffer[length] = '\0';
    char *end = strrchr(buffer, ')');
    return end != NULL && end[1] == ' ' ? end[2] : '?';
}

static void *after_leader(void *unused) {
    (void)unused;
    for (int tries = 0; task_state(leader) != 'Z'; tries++) {
        if (tries > 2000) fail(0, "the leader never became a zombie (state %c)", task_state(leader));
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    }
    write_file("before-exec.txt");
    execv(program[0], program);
    fail(errno, "execv %s", program[0]);
}

int main(int argc, char **argv) {
    if (argc < 2) fail(0, "usage: leader_exit_exec PROGRAM [ARGS...]");
    program = argv + 1;
    leader = getpid();
    enter_subdir();
    pthread_t thread;
    int error = pthread_create(&thread, NULL, after_leader, NULL);
    if (error != 0) fail(error, "pthread_create");
    pthread_exit(NULL);
}
