// Sets up one io_uring instance with the raw syscall and says how it went: "ring fd N" or "ring errno E".
// Then opens ring-witness.txt the ordinary way, so the report shows the process ran.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

int main(void) {
    unsigned char params[120];   // struct io_uring_params, zeroed: the kernel fills in the offsets
    memset(params, 0, sizeof params);
    long fd = syscall(__NR_io_uring_setup, 4, params);
    if (fd < 0) {
        printf("ring errno %d\n", errno);
    } else {
        printf("ring fd %ld\n", fd);
        close((int)fd);
    }
    int witness = open("ring-witness.txt", O_RDONLY);
    if (witness >= 0) close(witness);
    return 0;
}
