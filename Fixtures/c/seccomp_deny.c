/* seccomp_deny ptrace|seccomp|bpf COMMAND [ARGS...]: installs a seccomp filter under which ptrace(2) (or
 * seccomp(2), or bpf(2)) fails with EPERM, as a container runtime's default profile does, then execs COMMAND (a path)
 * with it; the filter is inherited by everything COMMAND starts. Only the native ABI's call is denied.
 * The filter itself is installed with prctl(PR_SET_SECCOMP), so denying seccomp(2) does not stop it. */
#include "fixture.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "seccomp_deny: x86_64 or aarch64"
#endif

int main(int argc, char **argv) {
    if (argc < 3) fail(0, "usage: seccomp_deny ptrace|seccomp|bpf COMMAND [ARGS...]");
    unsigned int denied;
    if (strcmp(argv[1], "ptrace") == 0) {
        denied = SYS_ptrace;
    } else if (strcmp(argv[1], "seccomp") == 0) {
        denied = SYS_seccomp;
    } else if (strcmp(argv[1], "bpf") == 0) {
        denied = SYS_bpf;
    } else {
        fail(0, "unknown call '%s'", argv[1]);
    }
    struct sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, denied, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog filter = {.len = sizeof program / sizeof program[0], .filter = program};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(errno, "PR_SET_NO_NEW_PRIVS");
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) != 0) fail(errno, "PR_SET_SECCOMP");
    execv(argv[2], argv + 2);
    fail(errno, "execv %s", argv[2]);
}
