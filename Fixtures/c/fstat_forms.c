// fstat in its disguises, which name no path: glibc's fstat (newfstatat(fd, "", AT_EMPTY_PATH)), and
// statx(fd, "", AT_EMPTY_PATH) as libuv makes it. Then one real probe, stat("probed.txt").
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    int fd = open("opened.txt", O_RDONLY);
    if (fd < 0) return 1;
    struct stat st;
    if (fstat(fd, &st) != 0) return 2;
    if (fstatat(fd, "", &st, AT_EMPTY_PATH) != 0) return 3;
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &stx) != 0) return 4;
    close(fd);
    if (stat("probed.txt", &st) != 0) return 5;
    if (statx(AT_FDCWD, "probed-x.txt", 0, STATX_SIZE, &stx) != 0) return 6;
    return 0;
}
