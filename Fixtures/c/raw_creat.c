/* raw_creat PATH EXPECT: enters sub/, then calls the creat syscall itself, syscall(SYS_creat, PATH, 0644)
 * (glibc's creat(3) may become openat). creat is O_WRONLY|O_CREAT|O_TRUNC. EXPECT is "ok" or an errno
 * name. */
#include "fixture.h"

int main(int argc, char **argv) {
    if (argc != 3) fail(0, "usage: raw_creat PATH EXPECT");
    enter_subdir();
    long fd = syscall(SYS_creat, argv[1], 0644);
    return check_open_result(fd, errno, argv[2], argv[1]);
}
