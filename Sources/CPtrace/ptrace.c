// ptrace(2), wait(2), tracee memory and /proc, as fixed-arity functions that return -errno.
#ifndef _GNU_SOURCE
#error "CPtrace needs _GNU_SOURCE (Package.swift's cSettings define it)"
#endif

#include "CPtrace.h"

#include <elf.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// <linux/ptrace.h> cannot be included next to libc's <sys/ptrace.h> (they define the same names), and older
// libcs (and musl) lack PTRACE_GET_SYSCALL_INFO: the kernel ABI is mirrored here, checked by size and offset.
// A libc that has the request (glibc 2.32 and later) has the PTRACE_SYSCALL_INFO_* phases with it.
#ifdef PTRACE_GET_SYSCALL_INFO
_Static_assert(PTRACE_SYSCALL_INFO_NONE == CPTRACE_SYSCALL_INFO_NONE, "PTRACE_SYSCALL_INFO_NONE");
_Static_assert(PTRACE_SYSCALL_INFO_ENTRY == CPTRACE_SYSCALL_INFO_ENTRY, "PTRACE_SYSCALL_INFO_ENTRY");
_Static_assert(PTRACE_SYSCALL_INFO_EXIT == CPTRACE_SYSCALL_INFO_EXIT, "PTRACE_SYSCALL_INFO_EXIT");
_Static_assert(PTRACE_SYSCALL_INFO_SECCOMP == CPTRACE_SYSCALL_INFO_SECCOMP, "PTRACE_SYSCALL_INFO_SECCOMP");
#endif
#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO 0x420e
#endif

struct cptrace_kernel_syscall_info {   // struct ptrace_syscall_info, include/uapi/linux/ptrace.h
    uint8_t op;
    uint8_t pad[3];
    uint32_t arch;
    uint64_t instruction_pointer;
    uint64_t stack_pointer;
    union {
        struct {
            uint64_t nr;
            uint64_t args[6];
        } entry;
        struct {
            int64_t rval;
            uint8_t is_error;
        } exit;
        struct {
            uint64_t nr;
            uint64_t args[6];
            uint32_t ret_data;
        } seccomp;
    };
};
_Static_assert(offsetof(struct cptrace_kernel_syscall_info, arch) == 4, "ptrace_syscall_info.arch");
_Static_assert(offsetof(struct cptrace_kernel_syscall_info, entry.nr) == 24, "ptrace_syscall_info.entry");
_Static_assert(sizeof(struct cptrace_kernel_syscall_info) == 88, "struct ptrace_syscall_info");
_Static_assert(PTRACE_EVENT_FORK == CPTRACE_EVENT_FORK, "PTRACE_EVENT_FORK");
_Static_assert(PTRACE_EVENT_VFORK == CPTRACE_EVENT_VFORK, "PTRACE_EVENT_VFORK");
_Static_assert(PTRACE_EVENT_CLONE == CPTRACE_EVENT_CLONE, "PTRACE_EVENT_CLONE");
_Static_assert(PTRACE_EVENT_EXEC == CPTRACE_EVENT_EXEC, "PTRACE_EVENT_EXEC");
_Static_assert(PTRACE_EVENT_VFORK_DONE == CPTRACE_EVENT_VFORK_DONE, "PTRACE_EVENT_VFORK_DONE");
_Static_assert(PTRACE_EVENT_EXIT == CPTRACE_EVENT_EXIT, "PTRACE_EVENT_EXIT");
_Static_assert(PTRACE_EVENT_SECCOMP == CPTRACE_EVENT_SECCOMP, "PTRACE_EVENT_SECCOMP");
_Static_assert(PTRACE_EVENT_STOP == CPTRACE_EVENT_STOP, "PTRACE_EVENT_STOP");

uint32_t cptrace_seize_options(bool with_seccomp) {
    uint32_t options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                       PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    if (with_seccomp) options |= PTRACE_O_TRACESECCOMP;
    return options;
}

uint32_t cptrace_native_audit_arch(void) {
#if defined(__x86_64__)
    return CPTRACE_AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    return CPTRACE_AUDIT_ARCH_AARCH64;
#else
#error "iotrace-native supports x86_64 and aarch64"
#endif
}

// MARK: - wait

pid_t cptrace_waitpid(pid_t pid, int *status, int options) {
    for (;;) {
        pid_t result = waitpid(pid, status, options);
        if (result >= 0) return result;
        int error = errno;
        if (error != EINTR) return -error;
    }
}

uint64_t cptrace_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

int cptrace_wait_options_own_tasks(void) { return __WALL | __WNOTHREAD; }
int cptrace_wait_options_own_tasks_nohang(void) { return __WALL | __WNOTHREAD | WNOHANG; }
bool cptrace_WIFEXITED(int status) { return WIFEXITED(status); }
bool cptrace_WIFSIGNALED(int status) { return WIFSIGNALED(status); }
bool cptrace_WIFSTOPPED(int status) { return WIFSTOPPED(status); }
int cptrace_WEXITSTATUS(int status) { return WEXITSTATUS(status); }
int cptrace_WTERMSIG(int status) { return WTERMSIG(status); }
int cptrace_WSTOPSIG(int status) { return WSTOPSIG(status); }
int cptrace_WPTRACEEVENT(int status) { return (status >> 16) & 0xff; }

// MARK: - ptrace

// ptrace(2) is variadic in glibc; each wrapper fixes its arity and turns -1/errno into -errno.
static long request(enum __ptrace_request req, pid_t pid, void *addr, void *data) {
    long result = ptrace(req, pid, addr, data);
    if (result == -1) {
        int error = errno;
        if (error != 0) return -error;
    }
    return result;
}

int cptrace_ptrace_seize(pid_t pid, uint32_t options) {
    return (int)request(PTRACE_SEIZE, pid, NULL, (void *)(uintptr_t)options);
}

int cptrace_ptrace_syscall(pid_t pid, int signal) {
    return (int)request(PTRACE_SYSCALL, pid, NULL, (void *)(intptr_t)signal);
}

int cptrace_ptrace_cont(pid_t pid, int signal) {
    return (int)request(PTRACE_CONT, pid, NULL, (void *)(intptr_t)signal);
}

int cptrace_ptrace_listen(pid_t pid) { return (int)request(PTRACE_LISTEN, pid, NULL, NULL); }

int cptrace_ptrace_geteventmsg(pid_t pid, unsigned long *message) {
    return (int)request(PTRACE_GETEVENTMSG, pid, NULL, message);
}

int cptrace_ptrace_getsiginfo(pid_t pid, int *signo, int *code) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int result = (int)request(PTRACE_GETSIGINFO, pid, NULL, &info);
    if (result < 0) return result;
    *signo = info.si_signo;
    *code = info.si_code;
    return 0;
}

int cptrace_ptrace_get_syscall_info(pid_t pid, cptrace_syscall *out) {
    struct cptrace_kernel_syscall_info info;
    memset(&info, 0, sizeof info);
    long size = request(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info);
    if (size < 0) return (int)size;
    memset(out, 0, sizeof *out);
    out->op = info.op;
    out->arch = info.arch;
    switch (info.op) {
    case CPTRACE_SYSCALL_INFO_ENTRY:
        out->nr = info.entry.nr;
        memcpy(out->args, info.entry.args, sizeof out->args);
        break;
    case CPTRACE_SYSCALL_INFO_SECCOMP:
        out->nr = info.seccomp.nr;
        memcpy(out->args, info.seccomp.args, sizeof out->args);
        break;
    case CPTRACE_SYSCALL_INFO_EXIT:
        out->rval = info.exit.rval;
        out->is_error = info.exit.is_error != 0;
        break;
    default:
        break;
    }
    return 0;
}

// The kernel's convention for a failed syscall: a return value in [-4095, -1] (include/linux/err.h).
static bool is_error_value(int64_t value) { return value < 0 && value >= -4095; }

#if defined(__x86_64__)
#include <sys/user.h>

// The i386 layout of NT_PRSTATUS for a 32-bit task (arch/x86/include/asm/user_32.h), which the kernel
// returns, shorter, when the tracee runs in compat mode.
struct cptrace_user_regs_i386 {
    uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
    uint32_t xds, xes, xfs, xgs, orig_eax, eip, xcs, eflags, esp, xss;
};
_Static_assert(sizeof(struct cptrace_user_regs_i386) == 17 * 4, "i386 user_regs_struct");

static int vm_read_exact(pid_t pid, uint64_t address, void *buffer, size_t length);

// A 64-bit task may still make i386 syscalls with `int $0x80` (or sysenter); the registers keep their 64-bit
// layout, and only the instruction that trapped tells the ABI (the kernel learns it from the entry point, and
// PTRACE_GET_SYSCALL_INFO reports it as AUDIT_ARCH_I386). Both are two bytes, just before the stopped rip.
static bool entered_through_compat_gate(pid_t pid, uint64_t rip) {
    uint8_t bytes[2];
    if (rip < 2 || vm_read_exact(pid, rip - 2, bytes, sizeof bytes) != 0) return false;
    return (bytes[0] == 0xCD && bytes[1] == 0x80) || (bytes[0] == 0x0F && bytes[1] == 0x34);
}

int cptrace_ptrace_getregset_syscall(pid_t pid, cptrace_syscall *out, bool at_entry) {
    union {
        struct user_regs_struct x86_64;
        struct cptrace_user_regs_i386 i386;
    } regs;
    struct iovec iov = {.iov_base = &regs, .iov_len = sizeof regs};
    long result = request(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_PRSTATUS, &iov);
    if (result < 0) return (int)result;
    memset(out, 0, sizeof *out);
    if (iov.iov_len == sizeof regs.i386) {
        out->arch = CPTRACE_AUDIT_ARCH_I386;
        out->nr = regs.i386.orig_eax;
        out->args[0] = regs.i386.ebx;
        out->args[1] = regs.i386.ecx;
        out->args[2] = regs.i386.edx;
        out->args[3] = regs.i386.esi;
        out->args[4] = regs.i386.edi;
        out->args[5] = regs.i386.ebp;
        out->rval = (int32_t)regs.i386.eax;
    } else if (iov.iov_len == sizeof regs.x86_64) {
        if (at_entry && entered_through_compat_gate(pid, regs.x86_64.rip)) {
            out->arch = CPTRACE_AUDIT_ARCH_I386;
            out->nr = (uint32_t)regs.x86_64.orig_rax;
            out->args[0] = (uint32_t)regs.x86_64.rbx;
            out->args[1] = (uint32_t)regs.x86_64.rcx;
            out->args[2] = (uint32_t)regs.x86_64.rdx;
            out->args[3] = (uint32_t)regs.x86_64.rsi;
            out->args[4] = (uint32_t)regs.x86_64.rdi;
            out->args[5] = (uint32_t)regs.x86_64.rbp;
        } else {
            // x32 tasks use this layout too; their numbers carry CPTRACE_X32_SYSCALL_BIT.
            out->arch = CPTRACE_AUDIT_ARCH_X86_64;
            out->nr = regs.x86_64.orig_rax;
            out->args[0] = regs.x86_64.rdi;
            out->args[1] = regs.x86_64.rsi;
            out->args[2] = regs.x86_64.rdx;
            out->args[3] = regs.x86_64.r10;
            out->args[4] = regs.x86_64.r8;
            out->args[5] = regs.x86_64.r9;
        }
        out->rval = (int64_t)regs.x86_64.rax;
    } else {
        return -EINVAL;
    }
    out->is_error = is_error_value(out->rval);
    return 0;
}

int cptrace_ptrace_set_syscall_argument(pid_t pid, uint32_t arch, unsigned index, uint64_t value) {
    if (index > 5) return -EINVAL;
    union {
        struct user_regs_struct x86_64;
        struct cptrace_user_regs_i386 i386;
    } regs;
    struct iovec iov = {.iov_base = &regs, .iov_len = sizeof regs};
    long result = request(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_PRSTATUS, &iov);
    if (result < 0) return (int)result;
    if (iov.iov_len == sizeof regs.i386) {
        uint32_t *slots[6] = {&regs.i386.ebx, &regs.i386.ecx, &regs.i386.edx,
                              &regs.i386.esi, &regs.i386.edi, &regs.i386.ebp};
        *slots[index] = (uint32_t)value;
    } else if (iov.iov_len == sizeof regs.x86_64) {
        // The same registers getregset_syscall reads the arguments from, by the ABI of the call.
        unsigned long long *i386[6] = {&regs.x86_64.rbx, &regs.x86_64.rcx, &regs.x86_64.rdx,
                                       &regs.x86_64.rsi, &regs.x86_64.rdi, &regs.x86_64.rbp};
        unsigned long long *x86_64[6] = {&regs.x86_64.rdi, &regs.x86_64.rsi, &regs.x86_64.rdx,
                                         &regs.x86_64.r10, &regs.x86_64.r8, &regs.x86_64.r9};
        if (arch == CPTRACE_AUDIT_ARCH_I386) {
            *i386[index] = (uint32_t)value;
        } else {
            *x86_64[index] = value;
        }
    } else {
        return -EINVAL;
    }
    return (int)request(PTRACE_SETREGSET, pid, (void *)(uintptr_t)NT_PRSTATUS, &iov);
}

#elif defined(__aarch64__)
#include <asm/ptrace.h>

// The AArch32 layout of NT_PRSTATUS for a compat task (arch/arm64/kernel/ptrace.c, compat regset).
struct cptrace_user_regs_arm {
    uint32_t r[13], sp, lr, pc, cpsr, orig_r0;
};
_Static_assert(sizeof(struct cptrace_user_regs_arm) == 18 * 4, "arm user_regs");

int cptrace_ptrace_getregset_syscall(pid_t pid, cptrace_syscall *out, bool at_entry) {
    (void)at_entry;   // an aarch64 task's ABI is its register layout's
    union {
        struct user_pt_regs aarch64;
        struct cptrace_user_regs_arm arm;
    } regs;
    struct iovec iov = {.iov_base = &regs, .iov_len = sizeof regs};
    long result = request(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_PRSTATUS, &iov);
    if (result < 0) return (int)result;
    memset(out, 0, sizeof *out);
    if (iov.iov_len == sizeof regs.arm) {
        out->arch = CPTRACE_AUDIT_ARCH_ARM;
        out->nr = regs.arm.r[7];
        for (int i = 0; i < 6; i++) out->args[i] = regs.arm.r[i];
        out->rval = (int32_t)regs.arm.r[0];
    } else if (iov.iov_len == sizeof regs.aarch64) {
        out->arch = CPTRACE_AUDIT_ARCH_AARCH64;
        // x8 holds the number at entry; NT_ARM_SYSTEM_CALL is the kernel's own copy, valid at exit too.
        int syscallno = -1;
        struct iovec nr_iov = {.iov_base = &syscallno, .iov_len = sizeof syscallno};
        if (request(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_ARM_SYSTEM_CALL, &nr_iov) == 0) {
            out->nr = (uint64_t)(int64_t)syscallno;
        } else {
            out->nr = regs.aarch64.regs[8];
        }
        for (int i = 0; i < 6; i++) out->args[i] = regs.aarch64.regs[i];
        out->rval = (int64_t)regs.aarch64.regs[0];
    } else {
        return -EINVAL;
    }
    out->is_error = is_error_value(out->rval);
    return 0;
}

int cptrace_ptrace_set_syscall_argument(pid_t pid, uint32_t arch, unsigned index, uint64_t value) {
    (void)arch;   // the layout tells the ABI
    if (index > 5) return -EINVAL;
    union {
        struct user_pt_regs aarch64;
        struct cptrace_user_regs_arm arm;
    } regs;
    struct iovec iov = {.iov_base = &regs, .iov_len = sizeof regs};
    long result = request(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_PRSTATUS, &iov);
    if (result < 0) return (int)result;
    if (iov.iov_len == sizeof regs.arm) {
        regs.arm.r[index] = (uint32_t)value;
    } else if (iov.iov_len == sizeof regs.aarch64) {
        // The syscall wrappers read x0-x5 after the stop (arch/arm64/kernel/syscall.c, invoke_syscall).
        regs.aarch64.regs[index] = value;
    } else {
        return -EINVAL;
    }
    return (int)request(PTRACE_SETREGSET, pid, (void *)(uintptr_t)NT_PRSTATUS, &iov);
}

#else
#error "iotrace-native supports x86_64 and aarch64"
#endif

// MARK: - Tracee memory

static long page_size_cached(void) {
    static long size = 0;
    if (size == 0) {
        long value = sysconf(_SC_PAGESIZE);
        size = value > 0 ? value : 4096;
    }
    return size;
}

// PTRACE_PEEKDATA, one word at a time: the fallback where process_vm_readv is refused (ENOSYS, or EPERM
// under some LSMs). A word is read at an aligned address so that no read crosses into an unmapped page.
static int peek_bytes(pid_t pid, uint64_t address, uint8_t *buffer, size_t length) {
    const size_t word = sizeof(long);
    size_t done = 0;
    while (done < length) {
        uint64_t at = address + done;
        uint64_t aligned = at & ~(uint64_t)(word - 1);
        size_t skip = (size_t)(at - aligned);
        errno = 0;
        long value = ptrace(PTRACE_PEEKDATA, pid, (void *)(uintptr_t)aligned, NULL);
        int error = errno;
        if (value == -1 && error != 0) return -error;
        size_t take = word - skip;
        if (take > length - done) take = length - done;
        memcpy(buffer + done, (uint8_t *)&value + skip, take);
        done += take;
    }
    return 0;
}

static long vm_read(pid_t pid, uint64_t address, void *buffer, size_t length) {
    struct iovec local = {.iov_base = buffer, .iov_len = length};
    struct iovec remote = {.iov_base = (void *)(uintptr_t)address, .iov_len = length};
    ssize_t result = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (result < 0) return -errno;
    return result;
}

static bool use_peek(long error) { return error == -ENOSYS || error == -EPERM; }

long cptrace_read_string(pid_t pid, uint64_t address, uint8_t *buffer, size_t capacity) {
    const uint64_t page = (uint64_t)page_size_cached();
    size_t length = 0;
    // One read per page: a string that ends just before an unmapped page is readable, where a single
    // capacity-sized read would fail on it. The NUL must fit in `capacity` (the kernel's PATH_MAX rule).
    while (length < capacity) {
        uint64_t at = address + length;
        size_t chunk = (size_t)(page - (at % page));
        if (chunk > capacity - length) chunk = capacity - length;
        uint8_t *target = buffer + length;
        long got = vm_read(pid, at, target, chunk);
        if (use_peek(got)) got = peek_bytes(pid, at, target, chunk) == 0 ? (long)chunk : -EFAULT;
        if (got < 0) return got;
        if (got == 0) return -EFAULT;
        void *nul = memchr(target, 0, (size_t)got);
        if (nul != NULL) return (long)(length + (size_t)((uint8_t *)nul - target));
        length += (size_t)got;
        if ((size_t)got < chunk) return -EFAULT;   // a partial read: the next byte is not mapped
    }
    return -ENAMETOOLONG;
}

static int vm_read_exact(pid_t pid, uint64_t address, void *buffer, size_t length) {
    long got = vm_read(pid, address, buffer, length);
    if (use_peek(got)) return peek_bytes(pid, address, buffer, length);
    if (got < 0) return (int)got;
    return (size_t)got == length ? 0 : -EFAULT;
}

int cptrace_read_memory(pid_t pid, uint64_t address, void *buffer, size_t length) {
    return vm_read_exact(pid, address, buffer, length);
}

_Static_assert(sizeof(long) == 8, "a ptrace word is 64 bits on the machines iotrace-native runs on");

int cptrace_write_uint64(pid_t pid, uint64_t address, uint64_t value) {
    return (int)request(PTRACE_POKEDATA, pid, (void *)(uintptr_t)address, (void *)(uintptr_t)value);
}

// MARK: - /proc

long cptrace_readlink_proc(pid_t tid, int fd, uint8_t *buffer, size_t capacity) {
    char path[64];
    if (fd < 0) {
        snprintf(path, sizeof path, "/proc/%d/cwd", (int)tid);
    } else {
        snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)tid, fd);
    }
    return cptrace_readlink(path, buffer, capacity);
}

long cptrace_readlink(const char *path, uint8_t *buffer, size_t capacity) {
    ssize_t result = readlink(path, (char *)buffer, capacity);
    if (result < 0) return -errno;
    return result;
}

int cptrace_close(int fd) { return close(fd) == 0 ? 0 : -errno; }
int cptrace_kill(pid_t pid, int signal) { return kill(pid, signal) == 0 ? 0 : -errno; }
pid_t cptrace_gettid(void) { return (pid_t)syscall(SYS_gettid); }
