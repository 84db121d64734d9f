/* write_argv [ARGS...]: enters sub/ and writes its arguments (argv[1] on), each followed by a NUL byte, to
 * argv.bin, byte for byte: the test compares them with what it passed to the tracer. */
#include "fixture.h"

int main(int argc, char **argv) {
    enter_subdir();
    int fd = open("argv.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail(errno, "open argv.bin");
    for (int i = 1; i < argc; i++) {
        size_t length = strlen(argv[i]) + 1;
        if (write(fd, argv[i], length) != (ssize_t)length) fail(errno, "write");
    }
    close(fd);
    return 0;
}
