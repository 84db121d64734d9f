// A statically linked Swift runtime reads /proc/self/exe in its own static initializers (the backtracer
// locating its helper, swift/stdlib/public/runtime/Paths.cpp) and aborts with "Unable to obtain Swift
// runtime path" where /proc is not mounted, before main runs. The tracer needs /proc anyway (the tasks'
// cwd and descriptors), so this constructor, ordered before the runtime's default-priority ones, says so
// in one line and exits with the tracer's failure status (SPEC: Exit status) instead of that abort.
// Retire it when the runtime tolerates a missing /proc.
#include "CProcCheck.h"

#include <string.h>
#include <unistd.h>

static int proc_mounted = 0;

__attribute__((constructor(101))) static void check_proc(void) {
    if (access("/proc/self/exe", F_OK) == 0) {
        proc_mounted = 1;
        return;
    }
    static const char message[] =
        "iotrace-native: /proc is not mounted: the tracer reads each task's current directory and descriptors "
        "there; mount it (mount -t proc proc /proc) or run where it is mounted\n";
    ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
    _exit(125);
}

int cproccheck_proc_mounted(void) { return proc_mounted; }
