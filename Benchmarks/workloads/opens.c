// One process, 6,000 opens: create 2,000 files, read each back, append to each.
// Usage: opens DIR   (DIR must exist; the files are DIR/f0000.txt ... DIR/f1999.txt)
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { FILES = 2000 };

static void fail(const char *what, const char *path) {
    perror(path);
    fprintf(stderr, "opens: %s failed\n", what);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: opens DIR\n"); return 2; }
    char path[4096], buf[256];
    const char line[] = "the quick brown fox jumps over the lazy dog\n";
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof path, "%s/f%04d.txt", argv[1], i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) fail("create", path);
        if (write(fd, line, sizeof line - 1) < 0) fail("write", path);
        close(fd);
    }
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof path, "%s/f%04d.txt", argv[1], i);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail("read-open", path);
        if (read(fd, buf, sizeof buf) < 0) fail("read", path);
        close(fd);
    }
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof path, "%s/f%04d.txt", argv[1], i);
        int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0) fail("append-open", path);
        if (write(fd, line, sizeof line - 1) < 0) fail("append", path);
        close(fd);
    }
    return 0;
}
