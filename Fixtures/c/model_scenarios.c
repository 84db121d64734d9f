/* model_scenarios SCENARIO: the richer report model (issue 5) one scenario at a time, in sub/, with raw
 * syscalls where libc would pick another call. Each scenario's comment says what the test creates first.
 *
 *   calls     the calls path_calls does not make: readlink/readlinkat that find a link, raw lstat and
 *             newfstatat, statx, faccessat2, unlinkat (file and AT_REMOVEDIR), creat, openat2, getdents64,
 *             getdents (where the ABI has it), execveat and a failed execve (in a child). Needs sub/probe.txt,
 *             sub/link -> probe.txt, sub/del.txt, sub/deldir/, sub/in.txt, sub/list/{x,y}, sub/far/,
 *             sub/far-old/, sub/bin/tool (a copy of `touch`), and outside the workspace scratch/far-link and
 *             scratch/far-old-link, symlinks to sub/far and sub/far-old.
 *   renames   rename over an existing file, rename of a directory, RENAME_EXCHANGE.
 *             Needs sub/src.txt, sub/dst.txt, sub/dir/inner.txt, sub/x.txt, sub/y.txt.
 *   temp      a temporary created, written, read back and deleted; an O_TMPFILE file linked with linkat;
 *             a file read then written; a file written then read. Needs sub/rw.txt.
 *   broken    a dangling symlink: lstat and readlink find it, stat and open miss what it points to.
 *             Needs sub/dangling -> nowhere.
 *   sync      O_SYNC and O_DSYNC opens. Needs sub/ds.txt, sub/both.txt.
 */
#include "fixture.h"
#include <dirent.h>
#include <linux/fs.h>
#include <linux/openat2.h>

#define MUST(call) do { if ((call) != 0) fail(errno, #call); } while (0)
#define MUST_FAIL(call, err) \
    do { if ((call) == 0 || errno != (err)) fail(errno, #call " did not fail as expected"); } while (0)

static int open_or_fail(const char *path, int flags) {
    int fd = open(path, flags, 0644);
    if (fd < 0) fail(errno, "open %s", path);
    return fd;
}

static void list_through(const char *path, long call) {
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) fail(errno, "open %s", path);
    char entries[1024];
    if (syscall(call, fd, entries, sizeof entries) < 0) fail(errno, "getdents(64) %s", path);
    close(fd);
}

static void calls(void) {
    struct stat info;
    char buffer[64];
    /* probes of an existing link and file */
    if (readlink("link", buffer, sizeof buffer) < 0) fail(errno, "readlink link");
    if (readlinkat(AT_FDCWD, "link", buffer, sizeof buffer) < 0) fail(errno, "readlinkat link");
#ifdef SYS_lstat
    MUST(syscall(SYS_lstat, "link", &info));
#endif
#ifdef SYS_newfstatat
    MUST(syscall(SYS_newfstatat, AT_FDCWD, "probe.txt", &info, 0));
#endif
    struct statx extended;
    MUST(syscall(SYS_statx, AT_FDCWD, "probe.txt", 0, STATX_BASIC_STATS, &extended));
    MUST_FAIL(syscall(SYS_statx, AT_FDCWD, "statx-absent", 0, STATX_BASIC_STATS, &extended), ENOENT);
    /* faccessat2 is Linux 5.8; ENOSYS on older kernels is a result of its own, said on stderr */
    if (syscall(SYS_faccessat2, AT_FDCWD, "probe.txt", R_OK, 0) != 0) {
        if (errno != ENOSYS) fail(errno, "faccessat2");
        fprintf(stderr, "faccessat2: ENOSYS\n");
    }
    /* deletes with unlinkat */
    MUST(unlinkat(AT_FDCWD, "del.txt", 0));
    MUST(unlinkat(AT_FDCWD, "deldir", AT_REMOVEDIR));
    /* creat: a write */
    int fd = creat("created.txt", 0644);
    if (fd < 0) fail(errno, "creat");
    close(fd);
    /* openat2: a read, and a miss */
    struct open_how how = {.flags = O_RDONLY};
    fd = (int)syscall(SYS_openat2, AT_FDCWD, "in.txt", &how, sizeof how);
    if (fd < 0) fail(errno, "openat2 in.txt");
    close(fd);
    MUST_FAIL(syscall(SYS_openat2, AT_FDCWD, "openat2-absent", &how, sizeof how), ENOENT);
    /* a listing (opendir opens O_DIRECTORY, readdir calls getdents64) */
    DIR *directory = opendir("list");
    if (directory == NULL) fail(errno, "opendir list");
    while (readdir(directory) != NULL) {}
    closedir(directory);
    /* getdents64 and getdents alone: each directory opened through a link outside the workspace, so the open
     * reports nothing and the listing is the getdents call's (the directory's path as /proc/self/fd shows) */
    list_through("../../scratch/far-link", SYS_getdents64);
#ifdef SYS_getdents
    list_through("../../scratch/far-old-link", SYS_getdents);
#endif
    /* execveat of a program in the workspace, and an execve that misses, each in a child */
    pid_t pid = fork();
    if (pid < 0) fail(errno, "fork");
    if (pid == 0) {
        int bin = open("bin", O_PATH | O_DIRECTORY);
        if (bin < 0) fail(errno, "open bin");
        char *const argv[] = {"tool", "by-execveat.txt", NULL};
        char *const envp[] = {NULL};
        syscall(SYS_execveat, bin, "tool", argv, envp, 0);
        fail(errno, "execveat bin/tool");
    }
    wait_ok(pid, "execveat child");
    char *const argv[] = {"no-such-tool", NULL};
    char *const envp[] = {NULL};
    MUST_FAIL(execve("bin/no-such-tool", argv, envp), ENOENT);
}

static void renames(void) {
    /* over an existing file: the source deleted, the target written */
    MUST(rename("src.txt", "dst.txt"));
    /* a directory: its old name deleted, its new name written (the files in it are not reported) */
    MUST(rename("dir", "dir2"));
    /* exchange: both names written, neither deleted */
    MUST(syscall(SYS_renameat2, AT_FDCWD, "x.txt", AT_FDCWD, "y.txt", RENAME_EXCHANGE));
}

static void temp(void) {
    /* a temporary: written, read back, deleted */
    int fd = open_or_fail("tmp.txt", O_WRONLY | O_CREAT | O_TRUNC);
    if (write(fd, "t\n", 2) != 2) fail(errno, "write tmp.txt");
    close(fd);
    read_file("tmp.txt");
    MUST(unlink("tmp.txt"));
    /* O_TMPFILE, named with linkat */
    fd = open(".", O_TMPFILE | O_WRONLY, 0644);
    if (fd < 0) fail(errno, "O_TMPFILE");
    if (write(fd, "x", 1) != 1) fail(errno, "write O_TMPFILE");
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    MUST(linkat(AT_FDCWD, proc, AT_FDCWD, "linked.txt", AT_SYMLINK_FOLLOW));
    close(fd);
    /* read then written: an input and an output */
    read_file("rw.txt");
    write_file("rw.txt");
    /* written then read: an output only */
    write_file("wr.txt");
    read_file("wr.txt");
}

static void broken(void) {
    struct stat info;
    char buffer[64];
    MUST(lstat("dangling", &info));
    if (readlink("dangling", buffer, sizeof buffer) < 0) fail(errno, "readlink dangling");
    MUST_FAIL(stat("dangling", &info), ENOENT);
    MUST_FAIL(open("dangling", O_RDONLY), ENOENT);
}

static void sync_opens(void) {
    close(open_or_fail("s.txt", O_WRONLY | O_CREAT | O_SYNC));
    close(open_or_fail("ds.txt", O_RDONLY | O_DSYNC));
    close(open_or_fail("both.txt", O_RDWR | O_SYNC));
}

int main(int argc, char **argv) {
    if (argc != 2) fail(0, "usage: model_scenarios calls|renames|temp|broken|sync");
    enter_subdir();
    if (strcmp(argv[1], "calls") == 0) calls();
    else if (strcmp(argv[1], "renames") == 0) renames();
    else if (strcmp(argv[1], "temp") == 0) temp();
    else if (strcmp(argv[1], "broken") == 0) broken();
    else if (strcmp(argv[1], "sync") == 0) sync_opens();
    else fail(0, "unknown scenario %s", argv[1]);
    return 0;
}
