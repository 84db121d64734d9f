/* path_calls: one of each path-taking call the report models beyond opens, with raw syscalls where libc
 * would pick another (stat → newfstatat, unlink → unlinkat), in sub/. The test creates sub/probe.txt,
 * sub/gone.txt, sub/old.txt, sub/a.txt, sub/b.txt, sub/src.txt, sub/long.txt, sub/other/ and sub/rmme/. */
#include "fixture.h"
#include <linux/fs.h>

#define MUST(call) do { if ((call) != 0) fail(errno, #call); } while (0)
#define MUST_FAIL(call, err) do { if ((call) == 0 || errno != (err)) fail(errno, #call " did not fail as expected"); } while (0)

int main(void) {
    enter_subdir();
    struct stat info;
    char buffer[64];
    /* probes that find the path */
    MUST(stat("probe.txt", &info));
    MUST(lstat("probe.txt", &info));
    MUST(access("probe.txt", R_OK));
    MUST(fstatat(AT_FDCWD, "probe.txt", &info, 0));
#ifdef SYS_stat
    MUST(syscall(SYS_stat, "probe.txt", &info));
#endif
#ifdef SYS_access
    MUST(syscall(SYS_access, "probe.txt", R_OK));
#endif
    MUST(syscall(SYS_faccessat, AT_FDCWD, "probe.txt", R_OK));
    /* lookups that miss: ENOENT, and ENOTDIR through a file */
    MUST_FAIL(stat("absent.txt", &info), ENOENT);
    MUST_FAIL(access("probe.txt/below", R_OK), ENOTDIR);
    MUST_FAIL(readlink("no-link", buffer, sizeof buffer), ENOENT);
    MUST_FAIL(open("absent-open.txt", O_RDONLY), ENOENT);
    /* a failure that is no miss: EINVAL (not a link) */
    MUST_FAIL(readlink("probe.txt", buffer, sizeof buffer), EINVAL);
    /* deletes */
    MUST(unlink("gone.txt"));
    MUST(rmdir("rmme"));
    /* directories */
    MUST(mkdir("made", 0755));
    MUST(mkdirat(AT_FDCWD, "made/inner", 0755));
    /* a failed mkdir records nothing */
    MUST_FAIL(mkdir("no-parent/x", 0755), ENOENT);
    /* rename: source deleted, target written; each path against its own dirfd */
    MUST(rename("old.txt", "new.txt"));
    int other = open("other", O_DIRECTORY | O_RDONLY);
    if (other < 0) fail(errno, "open other");
    MUST(renameat(AT_FDCWD, "new.txt", other, "moved.txt"));
    MUST(syscall(SYS_renameat2, AT_FDCWD, "a.txt", AT_FDCWD, "b.txt", RENAME_EXCHANGE));
    /* links: the new name written */
    MUST(link("src.txt", "hard.txt"));
    MUST(linkat(AT_FDCWD, "src.txt", other, "hard2.txt", 0));
    MUST(symlink("src.txt", "soft.txt"));
    MUST(symlinkat("src.txt", other, "soft2.txt"));
    /* truncate: a write */
    MUST(truncate("long.txt", 1));
    /* an O_TMPFILE made visible with linkat */
    int tmp = open(".", O_TMPFILE | O_WRONLY, 0644);
    if (tmp < 0) fail(errno, "O_TMPFILE");
    if (write(tmp, "x", 1) != 1) fail(errno, "write");
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", tmp);
    MUST(linkat(AT_FDCWD, proc, AT_FDCWD, "visible.txt", AT_SYMLINK_FOLLOW));
    return 0;
}
