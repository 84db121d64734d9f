/* page_end_path: enters sub/ and opens paths whose bytes end exactly at the end of a mapped page, the
 * next page being inaccessible (PROT_NONE): reads in.txt, writes out.txt. A tracer that copies a fixed
 * PATH_MAX bytes from the tracee's memory fails on them; it must stop at the NUL. */
#include "fixture.h"
#include <sys/mman.h>

static const char *at_page_end(char *page, long size, const char *text) {
    char *at = page + size - (long)strlen(text) - 1;
    strcpy(at, text);
    return at;
}

int main(void) {
    enter_subdir();
    long size = sysconf(_SC_PAGESIZE);
    char *pages = mmap(NULL, (size_t)size * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) fail(errno, "mmap");
    if (mprotect(pages + size, (size_t)size, PROT_NONE) != 0) fail(errno, "mprotect");
    if (mprotect(pages + 3 * size, (size_t)size, PROT_NONE) != 0) fail(errno, "mprotect");
    int fd = open(at_page_end(pages, size, "in.txt"), O_RDONLY);
    if (fd < 0) fail(errno, "open in.txt");
    close(fd);
    fd = open(at_page_end(pages + 2 * size, size, "out.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail(errno, "open out.txt");
    close(fd);
    return 0;
}
