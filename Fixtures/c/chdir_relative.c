/* chdir_relative: relative opens resolved against the cwd of the moment. Enters sub/ and reads a.txt;
 * chdirs to deeper/ and writes b.txt; chdirs back with ".." and writes "./deeper/../c.txt" (sub/c.txt);
 * fchdirs to deeper/ through a descriptor and writes d.txt. The test creates sub/a.txt and sub/deeper/. */
#include "fixture.h"

int main(void) {
    enter_subdir();
    read_file("a.txt");
    if (chdir("deeper") != 0) fail(errno, "chdir deeper");
    write_file("b.txt");
    if (chdir("..") != 0) fail(errno, "chdir ..");
    write_file("./deeper/../c.txt");
    int fd = open("deeper", O_RDONLY | O_DIRECTORY);
    if (fd < 0) fail(errno, "open deeper");
    if (fchdir(fd) != 0) fail(errno, "fchdir deeper");
    write_file("d.txt");
    return 0;
}
