/* int80_open: a 64-bit program that makes i386 system calls with `int $0x80` (x86_64 only; the kernel
 * runs them as the 32-bit ABI, with i386 numbers and arguments in ebx, ecx, edx). Enters sub/, reads
 * in.txt with i386 open (5), writes out.txt with i386 openat (295, AT_FDCWD) and made.txt with i386 creat
 * (8). The paths live in a MAP_32BIT page, since the 32-bit ABI passes 32-bit pointers. Exits 0 only if
 * every call succeeded. */
#include "fixture.h"
#include <stdint.h>
#include <sys/mman.h>

#if !defined(__x86_64__)
int main(void) {
    fputs("int80_open: x86_64 only\n", stderr);
    return 77;
}
#else
static long int80(long number, long a, long b, long c) {
    long result;
    __asm__ volatile("int $0x80" : "=a"(result) : "a"(number), "b"(a), "c"(b), "d"(c) : "memory");
    return result;
}

static char *low_string(char *page, size_t *used, const char *text) {
    char *at = page + *used;
    strcpy(at, text);
    *used += strlen(text) + 1;
    return at;
}

int main(void) {
    enter_subdir();
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (page == MAP_FAILED) fail(errno, "mmap MAP_32BIT");
    size_t used = 0;
    long in = (long)(uintptr_t)low_string(page, &used, "in.txt");
    long out = (long)(uintptr_t)low_string(page, &used, "out.txt");
    long made = (long)(uintptr_t)low_string(page, &used, "made.txt");
    /* i386 flag values: O_RDONLY 0, O_WRONLY 1, O_CREAT 0100, O_TRUNC 01000 (the same as x86_64). */
    long fd = int80(5, in, 0, 0);
    if (fd < 0) fail((int)-fd, "int 0x80 open in.txt");
    close((int)fd);
    fd = int80(295, -100, out, 01 | 0100 | 01000);
    if (fd < 0) fail((int)-fd, "int 0x80 openat out.txt");
    close((int)fd);
    fd = int80(8, made, 0644, 0);
    if (fd < 0) fail((int)-fd, "int 0x80 creat made.txt");
    close((int)fd);
    return 0;
}
#endif
