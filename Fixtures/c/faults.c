/* faults HOW: enters sub/ and meets a fault the way an untraced program would, checking what it sees.
 *   sigpipe          writes before-pipe.txt, then writes to a pipe whose read end is closed: dies by SIGPIPE
 *   sigpipe-ignored  SIGPIPE ignored: the write fails with EPIPE, then writes got-epipe.txt and exits 0
 *   segv-handled     a SIGSEGV handler (a real fault: a write through a null pointer) opens in-handler.txt
 *                    and _exits 3
 *   stop-kill        a child writes child-ready.txt and stops itself (SIGSTOP); the parent sees it stopped
 *                    (waitpid WUNTRACED), SIGKILLs it, sees it killed, and writes parent-done.txt
 * Core dumps are off, so nothing but the fixture's own files lands in the workspace. */
#include "fixture.h"
#include <signal.h>
#include <sys/resource.h>

static void on_segv(int signal) {
    (void)signal;
    int fd = open("in-handler.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    _exit(fd >= 0 ? 3 : 98);
}

int main(int argc, char **argv) {
    if (argc != 2) fail(0, "usage: faults sigpipe|sigpipe-ignored|segv-handled|stop-kill");
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) fail(errno, "setrlimit RLIMIT_CORE");
    enter_subdir();
    const char *how = argv[1];
    if (strcmp(how, "sigpipe") == 0 || strcmp(how, "sigpipe-ignored") == 0) {
        int ignored = strcmp(how, "sigpipe-ignored") == 0;
        if (ignored && signal(SIGPIPE, SIG_IGN) == SIG_ERR) fail(errno, "signal SIGPIPE");
        if (!ignored) write_file("before-pipe.txt");
        int fds[2];
        if (pipe(fds) != 0) fail(errno, "pipe");
        close(fds[0]);
        ssize_t written = write(fds[1], "x", 1);
        if (!ignored) fail(errno, "still alive after writing to a broken pipe (write returned %zd)", written);
        if (written >= 0 || errno != EPIPE) fail(errno, "the write should fail with EPIPE (returned %zd)", written);
        write_file("got-epipe.txt");
        return 0;
    }
    if (strcmp(how, "segv-handled") == 0) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_segv;
        sigemptyset(&action.sa_mask);
        if (sigaction(SIGSEGV, &action, NULL) != 0) fail(errno, "sigaction");
        *(volatile int *)0 = 1;
        fail(0, "still running after the fault");
    }
    if (strcmp(how, "stop-kill") == 0) {
        pid_t child = fork();
        if (child < 0) fail(errno, "fork");
        if (child == 0) {
            write_file("child-ready.txt");
            raise(SIGSTOP);
            write_file("child-continued.txt");
            _exit(0);
        }
        int status;
        if (waitpid(child, &status, WUNTRACED) != child) fail(errno, "waitpid WUNTRACED");
        if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) fail(0, "expected a SIGSTOP stop, got 0x%x", status);
        if (kill(child, SIGKILL) != 0) fail(errno, "kill");
        if (waitpid(child, &status, 0) != child) fail(errno, "waitpid");
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) fail(0, "expected a SIGKILL death, got 0x%x", status);
        write_file("parent-done.txt");
        return 0;
    }
    fail(0, "unknown fault '%s'", how);
}
