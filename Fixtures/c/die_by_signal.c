/* die_by_signal HOW: enters sub/, writes before-signal.txt, then dies by a signal: "abort" calls abort()
 * (SIGABRT), "SIGTERM" and "SIGKILL" raise that signal, "SIGSEGV" writes through a null pointer. Core
 * dumps are switched off first, so nothing but the fixture's own file lands in the workspace. */
#include "fixture.h"
#include <signal.h>
#include <sys/resource.h>

int main(int argc, char **argv) {
    if (argc != 2) fail(0, "usage: die_by_signal abort|SIGTERM|SIGKILL|SIGSEGV");
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) fail(errno, "setrlimit RLIMIT_CORE");
    enter_subdir();
    write_file("before-signal.txt");
    if (strcmp(argv[1], "abort") == 0) abort();
    if (strcmp(argv[1], "SIGTERM") == 0) raise(SIGTERM);
    if (strcmp(argv[1], "SIGKILL") == 0) raise(SIGKILL);
    if (strcmp(argv[1], "SIGSEGV") == 0) *(volatile int *)0 = 1;
    fail(0, "still alive after %s", argv[1]);
}
