// N times each: fstat(fd) (glibc: newfstatat(fd, "", AT_EMPTY_PATH)), statx(fd, "", AT_EMPTY_PATH), and an
// io_uring_setup that the default filter refuses. N is argv[1]. Opens loop-target.txt once.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 0;
    int fd = open("loop-target.txt", O_RDONLY);
    if (fd < 0) return 1;
    for (int i = 0; i < n; i++) {
        struct stat st;
        struct statx stx;
        unsigned char params[120];
        memset(params, 0, sizeof params);
        if (fstat(fd, &st) != 0) return 2;
        if (statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &stx) != 0) return 3;
        long ring = syscall(__NR_io_uring_setup, 1, params);
        if (ring >= 0) close((int)ring);
    }
    close(fd);
    return 0;
}
