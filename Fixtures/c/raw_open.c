/* raw_open FLAGS PATH EXPECT: enters sub/, then calls the open syscall itself, syscall(SYS_open), which
 * glibc's open(3) never uses any more (it calls openat). EXPECT is "ok" or an errno name. */
#include "fixture.h"

int main(int argc, char **argv) {
    if (argc != 4) fail(0, "usage: raw_open FLAGS PATH EXPECT");
    enter_subdir();
    long fd = syscall(SYS_open, argv[2], parse_open_flags(argv[1]), 0644);
    return check_open_result(fd, errno, argv[3], argv[2]);
}
