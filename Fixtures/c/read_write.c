/* read_write IN OUT [STATUS]: enters sub/, reads IN, writes OUT, and exits STATUS (default 0). The process
 * tree tests run it from a shell, one child per pair of files, to check which process each access is
 * attributed to and that each child's own exit status is reported. */
#include "fixture.h"

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) fail(0, "usage: read_write IN OUT [STATUS]");
    enter_subdir();
    read_file(argv[1]);
    write_file(argv[2]);
    return argc == 4 ? atoi(argv[3]) : 0;
}
