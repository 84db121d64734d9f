/* daemon_writer [early|late]: enters sub/, writes parent.txt and forks a daemon, then exits 3 at once.
 * The daemon calls setsid (before the parent exits with `early`, which waits for it on a pipe; 50 ms after
 * it has exited with `late`), points its stdin/stdout/stderr at /dev/null and closes its other descriptors as daemons do, sleeps 800 ms, then
 * reads parent.txt, forks a child that writes daemon-child.txt, and writes daemon.txt, each with raw
 * syscalls that a seccomp filter without a tracer would fail with ENOSYS (the file would then not appear).
 * The trace must end with the parent, the daemon go on as if untraced. */
#include "fixture.h"

static void write_or_die(const char *name) {
    int fd = (int)syscall(SYS_openat, AT_FDCWD, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) _exit(10);
    if (write(fd, "daemon\n", 7) != 7) _exit(11);
    close(fd);
}

int main(int argc, char **argv) {
    int early = argc > 1 && strcmp(argv[1], "early") == 0;
    enter_subdir();
    write_file("parent.txt");
    int ready[2];
    if (pipe(ready) != 0) fail(errno, "pipe");
    pid_t daemon = fork();
    if (daemon < 0) fail(errno, "fork");
    if (daemon == 0) {
        close(ready[0]);
        if (!early) usleep(50 * 1000);
        if (setsid() < 0) _exit(12);
        close(ready[1]);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        for (int fd = 3; fd < 1024; fd++) close(fd);   /* as daemons do: a caller may wait for the end of one */
        usleep(800 * 1000);
        int fd = (int)syscall(SYS_openat, AT_FDCWD, "parent.txt", O_RDONLY);
        if (fd < 0) _exit(13);
        close(fd);
        pid_t child = fork();
        if (child == 0) {
            write_or_die("daemon-child.txt");
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        write_or_die("daemon.txt");
        _exit(0);
    }
    close(ready[1]);
    if (early) {
        char byte;
        while (read(ready[0], &byte, 1) < 0 && errno == EINTR) {}
    }
    return 3;
}
