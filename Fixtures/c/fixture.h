/* Shared helpers for the integration-test fixtures (Tests/IntegrationTests). Every fixture is a tiny C
 * program that does one thing the tracer must see; on any unexpected failure it prints one line on stderr
 * and exits 99, so a test can tell "the fixture broke" from "the tracer reported the wrong thing".
 *
 * Conventions: the tests start the tracer in the workspace, and a fixture that opens files first enters
 * the workspace's "sub" directory, so the tracee's cwd differs from the tracer's. Files a fixture writes
 * are opened O_WRONLY|O_CREAT|O_TRUNC (a write); files it reads are opened O_RDONLY (a read). */
#ifndef IOTRACE_FIXTURE_H
#define IOTRACE_FIXTURE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define FIXTURE_BROKEN 99

/* Prints "fixture: <message>[: <errno text>]" and exits 99. */
__attribute__((noreturn, format(printf, 2, 3), unused)) static void fail(int error, const char *format, ...) {
    va_list args;
    va_start(args, format);
    fputs("fixture: ", stderr);
    vfprintf(stderr, format, args);
    va_end(args);
    if (error != 0) fprintf(stderr, ": %s", strerror(error));
    fputc('\n', stderr);
    exit(FIXTURE_BROKEN);
}

/* chdir into the workspace's "sub" directory, which the test creates. */
__attribute__((unused)) static void enter_subdir(void) {
    if (chdir("sub") != 0) fail(errno, "chdir sub");
}

/* Opens `path` for writing (creating or truncating it) and closes it: one write in the report. */
__attribute__((unused)) static void write_file(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail(errno, "open %s for writing", path);
    if (write(fd, "x\n", 2) != 2) fail(errno, "write %s", path);
    close(fd);
}

/* Opens `path` read-only and closes it: one read in the report. */
__attribute__((unused)) static void read_file(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) fail(errno, "open %s for reading", path);
    close(fd);
}

/* Waits for `pid` and fails unless it exited 0. */
__attribute__((unused)) static void wait_ok(pid_t pid, const char *what) {
    int status;
    if (waitpid(pid, &status, 0) != pid) fail(errno, "waitpid %s", what);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail(0, "%s ended with status 0x%x", what, status);
}

/* Parses "O_RDWR|O_TRUNC|..." into open(2) flags. */
__attribute__((unused)) static int parse_open_flags(const char *text) {
    static const struct { const char *name; int value; } names[] = {
        {"O_RDONLY", O_RDONLY}, {"O_WRONLY", O_WRONLY}, {"O_RDWR", O_RDWR}, {"O_CREAT", O_CREAT},
        {"O_EXCL", O_EXCL}, {"O_TRUNC", O_TRUNC}, {"O_APPEND", O_APPEND}, {"O_PATH", O_PATH},
        {"O_DIRECTORY", O_DIRECTORY}, {"O_TMPFILE", O_TMPFILE}, {"O_NOFOLLOW", O_NOFOLLOW},
        {"O_CLOEXEC", O_CLOEXEC}, {"O_NONBLOCK", O_NONBLOCK},
    };
    int flags = 0;
    const char *start = text;
    for (;;) {
        size_t length = strcspn(start, "|");
        size_t i;
        for (i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (strlen(names[i].name) == length && strncmp(names[i].name, start, length) == 0) break;
        }
        if (i == sizeof names / sizeof names[0]) fail(0, "unknown flag in '%s'", text);
        flags |= names[i].value;
        if (start[length] == '\0') return flags;
        start += length + 1;
    }
}

/* Checks an open's result against what the test expects: "ok" or an errno name such as "ENOENT". */
__attribute__((unused)) static int check_open_result(long result, int error, const char *expect, const char *path) {
    static const struct { const char *name; int value; } errnos[] = {
        {"ENOENT", ENOENT}, {"EEXIST", EEXIST}, {"ENOTDIR", ENOTDIR}, {"EISDIR", EISDIR},
        {"EACCES", EACCES}, {"ELOOP", ELOOP}, {"EINVAL", EINVAL}, {"EXDEV", EXDEV},
    };
    if (strcmp(expect, "ok") == 0) {
        if (result < 0) fail(error, "open %s should have succeeded", path);
        close((int)result);
        return 0;
    }
    if (result >= 0) fail(0, "open %s should have failed with %s but succeeded", path, expect);
    for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++) {
        if (strcmp(errnos[i].name, expect) == 0) {
            if (errnos[i].value != error) fail(error, "open %s should have failed with %s", path, expect);
            return 0;
        }
    }
    fail(0, "unknown expectation '%s'", expect);
}

#endif
