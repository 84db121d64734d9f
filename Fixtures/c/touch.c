/* touch FILE...: writes each FILE (O_WRONLY|O_CREAT|O_TRUNC) relative to the cwd it starts in, without
 * entering sub/. Other fixtures exec it; the CLI tests use it to leave a marker file. */
#include "fixture.h"

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) write_file(argv[i]);
    return 0;
}
