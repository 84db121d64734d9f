/* exit_status N: enters sub/, writes before-exit.txt, and exits with status N. */
#include "fixture.h"

int main(int argc, char **argv) {
    if (argc != 2) fail(0, "usage: exit_status N");
    enter_subdir();
    write_file("before-exit.txt");
    exit(atoi(argv[1]));
}
