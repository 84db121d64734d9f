// The seccomp-bpf filter that makes the kernel stop the tracee only at the syscalls we decode.
#ifndef _GNU_SOURCE
#error "CPtrace needs _GNU_SOURCE (Package.swift's cSettings define it)"
#endif

#include "CPtrace.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

_Static_assert(CPTRACE_AUDIT_ARCH_X86_64 == AUDIT_ARCH_X86_64, "AUDIT_ARCH_X86_64");
_Static_assert(CPTRACE_AUDIT_ARCH_I386 == AUDIT_ARCH_I386, "AUDIT_ARCH_I386");
_Static_assert(CPTRACE_AUDIT_ARCH_AARCH64 == AUDIT_ARCH_AARCH64, "AUDIT_ARCH_AARCH64");
_Static_assert(CPTRACE_AUDIT_ARCH_ARM == AUDIT_ARCH_ARM, "AUDIT_ARCH_ARM");

struct cptrace_filter {
    struct sock_fprog program;
    struct sock_filter instructions[];
};

uint32_t cptrace_seccomp_action_trace(void) { return SECCOMP_RET_TRACE; }
uint32_t cptrace_seccomp_action_errno(int error) { return SECCOMP_RET_ERRNO | ((uint32_t)error & SECCOMP_RET_DATA); }

// Layout, per listed ABI:
//     ld  arch;  jeq ARCH, 0, <size of block>          (the first instruction is shared)
//     block: ld nr; rule*; ret ALLOW
//     rule:  jeq NR, 0, 1; ret ACTION
//     rule with an exception:  jeq NR, 0, 4; ld arg[i]; jset MASK, 0, 1; ret ALLOW; ret ACTION
//     reversed (unless_clear):  jeq NR, 0, 4; ld arg[i]; jset MASK, 1, 0; ret ALLOW; ret ACTION
// then `ret ALLOW` for every ABI not listed. Each block is reached only after its arch matched, so a
// number is never read under the wrong ABI (seccomp(2): "the arch field is not unique for all calling
// conventions" is why the arch comes first). A rule with an exception loads an argument into the
// accumulator, but both of its branches return. Jump offsets are 8-bit: a block holds at most 255
// instructions.
static size_t rule_length(const cptrace_filter_rule *rule) { return rule->unless_argument >= 0 ? 5 : 2; }

static uint32_t argument_offset(int32_t index) {
    // The low 32 bits of the 64-bit argument.
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (uint32_t)(offsetof(struct seccomp_data, args) + 8 * (uint32_t)index);
#else
    return (uint32_t)(offsetof(struct seccomp_data, args) + 8 * (uint32_t)index + 4);
#endif
}

cptrace_filter *cptrace_seccomp_filter_create(const cptrace_filter_arch *arches, size_t count, int *error) {
    size_t total = 2;   // ld arch, final ret ALLOW
    for (size_t i = 0; i < count; i++) {
        size_t block = 2;   // ld nr, ret ALLOW
        for (uint32_t r = 0; r < arches[i].rule_count; r++) {
            const cptrace_filter_rule *rule = &arches[i].rules[r];
            if (rule->unless_argument > 5) {
                *error = EINVAL;
                return NULL;
            }
            block += rule_length(rule);
        }
        if (block > 255) {
            *error = E2BIG;
            return NULL;
        }
        total += 1 + block;   // jeq arch, then the block
    }
    if (total > BPF_MAXINSNS) {
        *error = E2BIG;
        return NULL;
    }
    cptrace_filter *filter = malloc(sizeof *filter + total * sizeof(struct sock_filter));
    if (filter == NULL) {
        *error = ENOMEM;
        return NULL;
    }
    struct sock_filter *out = filter->instructions;
    size_t n = 0;
    const uint32_t arch_offset = offsetof(struct seccomp_data, arch);
    const uint32_t nr_offset = offsetof(struct seccomp_data, nr);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arch_offset);
    for (size_t i = 0; i < count; i++) {
        const cptrace_filter_arch *arch = &arches[i];
        size_t block = 2;
        for (uint32_t r = 0; r < arch->rule_count; r++) block += rule_length(&arch->rules[r]);
        // A mismatch jumps over the block to the next arch test, with the accumulator still holding arch.
        out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch->audit_arch, 0, (uint8_t)block);
        out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, nr_offset);
        for (uint32_t r = 0; r < arch->rule_count; r++) {
            const cptrace_filter_rule *rule = &arch->rules[r];
            if (rule->unless_argument < 0) {
                out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, rule->nr, 0, 1);
                out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, rule->action);
            } else {
                out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, rule->nr, 0, 4);
                uint32_t offset = argument_offset(rule->unless_argument);
                out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset);
                out[n++] = rule->unless_clear
                    ? (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, rule->unless_mask, 1, 0)
                    : (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, rule->unless_mask, 0, 1);
                out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
                out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, rule->action);
            }
        }
        out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    }
    out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    filter->program.len = (unsigned short)n;
    filter->program.filter = filter->instructions;
    return filter;
}

void cptrace_seccomp_filter_destroy(cptrace_filter *filter) { free(filter); }

size_t cptrace_seccomp_filter_length(const cptrace_filter *filter) { return filter->program.len; }

// Used by spawn.c: the program, which it copies into the child's own memory, and its installation in the child,
// between clone and exec: two raw system calls (the child shares the tracer's memory, errno included).
const struct sock_fprog *cptrace_seccomp_filter_program(const cptrace_filter *filter);
const struct sock_fprog *cptrace_seccomp_filter_program(const cptrace_filter *filter) { return &filter->program; }

int cptrace_seccomp_install_in_child(const struct sock_fprog *program);
CPTRACE_SHARING int cptrace_seccomp_install_in_child(const struct sock_fprog *program) {
    // PR_SET_NO_NEW_PRIVS lets an unprivileged tracer install a filter (seccomp(2)); it also keeps
    // set-user-ID binaries from gaining privileges, which ptrace already prevents.
    long result = cptrace_raw_syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (result == 0) result = cptrace_raw_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)program, 0, 0);
    return (int)result;
}
