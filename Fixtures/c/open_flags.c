/* open_flags FLAGS PATH EXPECT: enters sub/, then open(3)s PATH with FLAGS (e.g. "O_RDWR|O_TRUNC", mode
 * 0644), which glibc turns into openat(AT_FDCWD, ...). EXPECT is "ok" or the errno name the open must
 * fail with ("ENOENT", "EEXIST"); the fixture exits 0 when the outcome is the expected one. */
#include "fixture.h"

int main(int argc, char **argv) {
    if (argc != 4) fail(0, "usage: open_flags FLAGS PATH EXPECT");
    enter_subdir();
    int fd = open(argv[2], parse_open_flags(argv[1]), 0644);
    return check_open_result(fd, errno, argv[3], argv[2]);
}
