/* fresh_page_path: enters sub/ and passes the kernel paths whose bytes lie in a file mapping nothing has
 * touched yet: their page is not in memory when the call enters (the kernel faults it in only when it copies
 * the string), so a tracer that reads the string at the entry without faulting finds nothing there. names
 * holds "in.txt" at offset 0 and "no-such-program" at offset 4096 (one page each): opens in.txt, then
 * execs no-such-program, which fails with ENOENT. */
#include "fixture.h"
#include <sys/mman.h>

int main(void) {
    enter_subdir();
    int fd = open("names", O_RDONLY);
    if (fd < 0) fail(errno, "open names");
    const char *names = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
    if (names == MAP_FAILED) fail(errno, "mmap names");
    close(fd);
    int input = open(names, O_RDONLY);
    if (input < 0) fail(errno, "open in.txt");
    close(input);
    char *const argv[] = {"no-such-program", NULL};
    execve(names + 4096, argv, environ);
    if (errno != ENOENT) fail(errno, "execve no-such-program");
    return 0;
}
