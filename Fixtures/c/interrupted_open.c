/* interrupted_open restart|eintr: enters sub/, makes a FIFO, and opens it for reading, which blocks until
 * a writer comes. A child waits until the parent is blocked in that open (per /proc/PPID/syscall), sends
 * it SIGUSR1, whose handler writes from-handler.txt in the middle of the interrupted open, waits for that
 * file and for the parent to be in an open again, and then opens the FIFO for writing. With "restart"
 * the handler has SA_RESTART and the kernel restarts the open; with "eintr" the open fails with EINTR
 * (not a read) and the fixture opens again. Either way the tracer sees an open whose syscall-exit is an
 * interruption, a nested open, and then the real one. */
#include "fixture.h"
#include <signal.h>
#include <time.h>

static void on_usr1(int signal) {
    (void)signal;
    int fd = open("from-handler.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
}

/* Whether `pid` is blocked in `number`: /proc/PID/syscall starts with the number of the current call. */
static int blocked_in(pid_t pid, long number) {
    char path[64], text[256];
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) fail(errno, "open %s", path);
    ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0) return 0;
    text[length] = '\0';
    return strtol(text, NULL, 10) == number;
}

static void wait_until_blocked_in_openat(pid_t pid) {
    for (int tries = 0; !blocked_in(pid, SYS_openat); tries++) {
        if (tries > 10000) fail(0, "pid %d never blocked in openat", (int)pid);
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    }
}

int main(int argc, char **argv) {
    if (argc != 2 || (strcmp(argv[1], "restart") != 0 && strcmp(argv[1], "eintr") != 0)) {
        fail(0, "usage: interrupted_open restart|eintr");
    }
    enter_subdir();
    if (mkfifo("fifo", 0644) != 0) fail(errno, "mkfifo");
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_usr1;
    action.sa_flags = strcmp(argv[1], "restart") == 0 ? SA_RESTART : 0;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGUSR1, &action, NULL) != 0) fail(errno, "sigaction");

    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) fail(errno, "fork");
    if (child == 0) {
        wait_until_blocked_in_openat(parent);
        kill(parent, SIGUSR1);
        /* The handler's file shows it ran; then the parent is back in an open (restarted, or retried). */
        for (int tries = 0; access("from-handler.txt", F_OK) != 0; tries++) {
            if (tries > 10000) fail(0, "the handler never ran");
            nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
        }
        wait_until_blocked_in_openat(parent);
        int fd = open("fifo", O_WRONLY);
        if (fd < 0) fail(errno, "open fifo for writing");
        close(fd);
        _exit(0);
    }
    int fd;
    int interrupted = 0;
    while ((fd = open("fifo", O_RDONLY)) < 0) {
        if (errno != EINTR) fail(errno, "open fifo for reading");
        interrupted = 1;
    }
    close(fd);
    wait_ok(child, "writer");
    if (strcmp(argv[1], "eintr") == 0 && !interrupted) fail(0, "the open was not interrupted");
    return 0;
}
