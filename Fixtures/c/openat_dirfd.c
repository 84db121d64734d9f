/* openat_dirfd: enters sub/, takes a directory descriptor with open("dir", O_DIRECTORY|O_PATH), then
 * chdirs to / so the cwd no longer agrees with it, and opens relative to the descriptor with openat:
 * reads dir/in.txt and ../sub/sibling.txt seen from dir (that is, sub/sibling.txt), writes dir/out.txt.
 * The test creates sub/dir/in.txt and sub/sibling.txt. */
#include "fixture.h"

static void open_at(int dirfd, const char *path, int flags) {
    int fd = openat(dirfd, path, flags, 0644);
    if (fd < 0) fail(errno, "openat(dir, %s)", path);
    close(fd);
}

int main(void) {
    enter_subdir();
    int dirfd = open("dir", O_DIRECTORY | O_PATH);
    if (dirfd < 0) fail(errno, "open dir");
    if (chdir("/") != 0) fail(errno, "chdir /");
    open_at(dirfd, "in.txt", O_RDONLY);
    open_at(dirfd, "../sibling.txt", O_RDONLY);
    open_at(dirfd, "out.txt", O_WRONLY | O_CREAT | O_TRUNC);
    return 0;
}
