/* clone_untraced clone|clone3|int80: enters sub/ and starts a child with CLONE_UNTRACED, which writes
 * from-MODE.txt; exits 0 only if the child exited 0. Untraced, such a child runs with the command's seccomp
 * filter and no tracer: unless the tracer clears the flag, every call the filter traces fails with ENOSYS and
 * the child exits 99. `clone` goes through glibc's clone(), `clone3` through the raw syscall (flags in
 * struct clone_args, in memory), `int80` through i386 clone (120, flags in ebx) from 64-bit code. */
#include "fixture.h"
#include <sched.h>
#include <signal.h>
#include <stdint.h>

#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000
#endif

static const char *target;

static int child(void *unused) {
    (void)unused;
    write_file(target);
    return 0;
}

/* struct clone_args up to CLONE_ARGS_SIZE_VER0 (linux/sched.h), without the header that clashes with <sched.h>. */
struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

int main(int argc, char **argv) {
    if (argc != 2) fail(0, "usage: clone_untraced clone|clone3|int80");
    enter_subdir();
    static char name[64];
    snprintf(name, sizeof name, "from-%s.txt", argv[1]);
    target = name;
    pid_t pid;
    if (strcmp(argv[1], "clone") == 0) {
        static char stack[256 * 1024];
        pid = clone(child, stack + sizeof stack, CLONE_UNTRACED | SIGCHLD, NULL);
        if (pid < 0) fail(errno, "clone");
    } else if (strcmp(argv[1], "clone3") == 0) {
#ifdef SYS_clone3
        struct clone_args_v0 args;
        memset(&args, 0, sizeof args);
        args.flags = CLONE_UNTRACED;
        args.exit_signal = SIGCHLD;
        long result = syscall(SYS_clone3, &args, sizeof args);
        if (result < 0) fail(errno, "clone3");
        if (result == 0) _exit(child(NULL));
        pid = (pid_t)result;
#else
        fail(0, "no SYS_clone3 here");
#endif
    } else if (strcmp(argv[1], "int80") == 0) {
#if defined(__x86_64__)
        /* No CLONE_VM and a null stack: the child goes on on a copy of this stack, as after fork. */
        long result;
        __asm__ volatile("int $0x80" : "=a"(result) : "a"(120L), "b"((long)(CLONE_UNTRACED | SIGCHLD)), "c"(0L),
                         "d"(0L), "S"(0L), "D"(0L) : "memory");
        if (result < 0) fail((int)-result, "int 0x80 clone");
        if (result == 0) _exit(child(NULL));
        pid = (pid_t)result;
#else
        fail(0, "int80 is x86_64 only");
#endif
    } else {
        fail(0, "unknown mode %s", argv[1]);
    }
    wait_ok(pid, "the CLONE_UNTRACED child");
    return 0;
}
