/* symlinks: enters sub/, where the test made link.txt -> real.txt and linkdir -> realdir. Reads
 * link.txt (reported as link.txt: links are not resolved), writes linkdir/through.txt (reported under
 * linkdir/), then chdirs into linkdir and writes after-cd.txt (reported under realdir/: the cwd is the
 * kernel's, which resolved the link). */
#include "fixture.h"

int main(void) {
    enter_subdir();
    read_file("link.txt");
    write_file("linkdir/through.txt");
    if (chdir("linkdir") != 0) fail(errno, "chdir linkdir");
    write_file("after-cd.txt");
    return 0;
}
