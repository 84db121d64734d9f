/* raw_openat2 FLAGS PATH EXPECT [RESOLVE]: enters sub/, then calls syscall(SYS_openat2, AT_FDCWD, PATH,
 * &how, sizeof how) with struct open_how { flags, mode, resolve } (glibc has no wrapper). The mode is
 * 0644 when O_CREAT or O_TMPFILE asks for one (openat2 rejects a mode otherwise). RESOLVE may be
 * "RESOLVE_NO_SYMLINKS" or "RESOLVE_BENEATH". EXPECT is "ok" or an errno name. */
#include "fixture.h"
#include <linux/openat2.h>

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) fail(0, "usage: raw_openat2 FLAGS PATH EXPECT [RESOLVE]");
    enter_subdir();
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (unsigned)parse_open_flags(argv[1]);
    if ((how.flags & O_CREAT) || (how.flags & O_TMPFILE) == O_TMPFILE) how.mode = 0644;
    if (argc == 5) {
        if (strcmp(argv[4], "RESOLVE_NO_SYMLINKS") == 0) how.resolve = RESOLVE_NO_SYMLINKS;
        else if (strcmp(argv[4], "RESOLVE_BENEATH") == 0) how.resolve = RESOLVE_BENEATH;
        else fail(0, "unknown resolve flag %s", argv[4]);
    }
    long fd = syscall(SYS_openat2, AT_FDCWD, argv[2], &how, sizeof how);
    return check_open_result(fd, errno, argv[3], argv[2]);
}
