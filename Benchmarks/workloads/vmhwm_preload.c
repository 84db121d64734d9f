// LD_PRELOAD helper for the peak-RSS measurement (Benchmarks/peak_rss.py).
// In the process it is preloaded into (the tracer), it removes itself from the environment so the
// traced command does not inherit it, and at exit() writes that process's own VmHWM line from
// /proc/self/status to the file named by IOTRACE_BENCH_HWM_OUT. wait4's ru_maxrss (what
// /usr/bin/time -f %M prints) is no use here: it also covers the reaped children, i.e. the command.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char out_path[4096];
static pid_t owner;

__attribute__((constructor)) static void hwm_init(void) {
    const char *out = getenv("IOTRACE_BENCH_HWM_OUT");
    if (out && strlen(out) < sizeof out_path) {
        strcpy(out_path, out);
        owner = getpid();
    }
    unsetenv("IOTRACE_BENCH_HWM_OUT");
    unsetenv("LD_PRELOAD");
}

__attribute__((destructor)) static void hwm_fini(void) {
    if (!owner || getpid() != owner) return;
    FILE *status = fopen("/proc/self/status", "r");
    if (!status) return;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, status))
        if (strncmp(line, "VmHWM:", 6) == 0) { kib = strtol(line + 6, NULL, 10); break; }
    fclose(status);
    FILE *out = fopen(out_path, "w");
    if (!out) return;
    fprintf(out, "%ld\n", kib);
    fclose(out);
}
