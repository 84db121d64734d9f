/* deep_dirs: directories deeper than PATH_MAX, whose names /proc cannot give back (readlink of
 * /proc/PID/cwd and /proc/PID/fd/N fails with ENAMETOOLONG past a page).
 *
 * deep_dirs walk: enters sub/, writes src.txt, then
 *   - goes down 45 levels of 100 bytes one mkdir+chdir at a time and writes deep.txt there (a cwd of more
 *     than 4,500 bytes);
 *   - back in sub/ (fchdir), makes 50 levels named by two relative paths of 2,500 bytes each: chdir into the
 *     first half, open the second half O_DIRECTORY (a directory of more than 5,000 bytes, never a cwd), back
 *     to sub/, then linkat(AT_FDCWD, "src.txt", dirfd, "linked.txt") and openat(dirfd, "viafd.txt") for writing.
 * deep_dirs exec PROGRAM ARGS...: enters sub/, goes down 45 levels, then execs PROGRAM there (run untraced,
 *   it starts a tracer in a directory whose name the tracer never saw). */
#include "fixture.h"

#define LEVELS 45

static char *component(char prefix, int level) {
    static char name[100];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(name, 5, "%c%02d-", prefix, level);
    name[4] = 'x';
    return name;
}

static void walk_down(char prefix, int levels) {
    for (int level = 0; level < levels; level++) {
        char *name = component(prefix, level);
        if (mkdir(name, 0755) != 0 && errno != EEXIST) fail(errno, "mkdir level %d", level);
        if (chdir(name) != 0) fail(errno, "chdir level %d", level);
    }
}

/* "c00-xxx/c01-xxx/..." for levels [from, to), made one mkdir at a time relative to the cwd. */
static char *make_chain(char prefix, int from, int to) {
    static char path[4096];
    path[0] = '\0';
    for (int level = from; level < to; level++) {
        if (path[0] != '\0') strcat(path, "/");
        strcat(path, component(prefix, level));
        if (mkdir(path, 0755) != 0 && errno != EEXIST) fail(errno, "mkdir %zu bytes", strlen(path));
    }
    return path;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "exec") == 0) {
        enter_subdir();
        walk_down('a', LEVELS);
        execvp(argv[2], argv + 2);
        fail(errno, "exec %s", argv[2]);
    }
    if (argc != 2 || strcmp(argv[1], "walk") != 0) fail(0, "usage: deep_dirs walk | deep_dirs exec PROGRAM ARGS...");
    enter_subdir();
    int sub = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sub < 0) fail(errno, "open sub");
    write_file("src.txt");

    walk_down('a', LEVELS);
    write_file("deep.txt");

    if (fchdir(sub) != 0) fail(errno, "fchdir sub");
    char first[4096];
    strcpy(first, make_chain('b', 0, 25));
    if (chdir(first) != 0) fail(errno, "chdir %zu bytes", strlen(first));
    char *second = make_chain('b', 25, 50);
    int deep = open(second, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (deep < 0) fail(errno, "open %zu bytes", strlen(second));
    if (fchdir(sub) != 0) fail(errno, "fchdir sub");
    if (linkat(AT_FDCWD, "src.txt", deep, "linked.txt", 0) != 0) fail(errno, "linkat");
    int fd = openat(deep, "viafd.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(errno, "openat viafd.txt");
    close(fd);
    return 0;
}
