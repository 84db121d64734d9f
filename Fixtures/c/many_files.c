/* many_files N [SLEEP_MS]: enters sub/ and creates N distinct files f-NNNNNN (open O_WRONLY|O_CREAT|O_TRUNC,
 * close: N writes in the report), then sleeps SLEEP_MS milliseconds. */
#include "fixture.h"
#include <time.h>

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) fail(0, "usage: many_files N [SLEEP_MS]");
    long count = atol(argv[1]);
    enter_subdir();
    char name[32];
    for (long i = 0; i < count; i++) {
        snprintf(name, sizeof name, "f-%06ld", i);
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) fail(errno, "open %s", name);
        close(fd);
    }
    if (argc == 3) {
        long milliseconds = atol(argv[2]);
        struct timespec pause = {milliseconds / 1000, (milliseconds % 1000) * 1000000L};
        while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {}
    }
    return 0;
}
