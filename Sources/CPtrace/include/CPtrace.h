// CPtrace: the thin C layer under the Kernel module (ptrace, the spawn child, seccomp).
//
// Every symbol is `cptrace_` plus the libc or kernel name it wraps. Functions return a negative errno on
// failure (captured on the line after the call), never "-1, read errno later". Only
// Sources/Kernel imports this module.
#ifndef CPTRACE_H
#define CPTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#if __has_feature(nullability)
#pragma clang assume_nonnull begin
#endif

// MARK: - Constants Swift cannot import (function-like or computed macros)

/// PTRACE_O_* options for PTRACE_SEIZE; `with_seccomp` adds PTRACE_O_TRACESECCOMP.
uint32_t cptrace_seize_options(bool with_seccomp);

/// PTRACE_EVENT_* (ptrace(2)): the one declaration Swift reads (Kernel's PtraceEvent). Mirrored, not included:
/// <sys/ptrace.h> would bring libc's whole ptrace API into the module; ptrace.c checks each value against it.
enum {
    CPTRACE_EVENT_FORK = 1,
    CPTRACE_EVENT_VFORK = 2,
    CPTRACE_EVENT_CLONE = 3,
    CPTRACE_EVENT_EXEC = 4,
    CPTRACE_EVENT_VFORK_DONE = 5,
    CPTRACE_EVENT_EXIT = 6,
    CPTRACE_EVENT_SECCOMP = 7,
    CPTRACE_EVENT_STOP = 128,
};

/// PTRACE_SYSCALL_INFO_* (linux/ptrace.h), the phase of a PTRACE_GET_SYSCALL_INFO read: the one declaration
/// Swift reads (Kernel's SyscallInfoOp); ptrace.c checks each against libc's where libc has them.
enum {
    CPTRACE_SYSCALL_INFO_NONE = 0,
    CPTRACE_SYSCALL_INFO_ENTRY = 1,
    CPTRACE_SYSCALL_INFO_EXIT = 2,
    CPTRACE_SYSCALL_INFO_SECCOMP = 3,
};

/// AUDIT_ARCH_* values; the kernel's names for the syscall ABIs (linux/audit.h).
enum {
    CPTRACE_AUDIT_ARCH_X86_64 = 0xC000003E,
    CPTRACE_AUDIT_ARCH_I386 = 0x40000003,
    CPTRACE_AUDIT_ARCH_AARCH64 = 0xC00000B7,
    CPTRACE_AUDIT_ARCH_ARM = 0x40000028,
};

/// The bit that marks an x32 syscall number on the x86_64 ABI (asm/unistd.h: __X32_SYSCALL_BIT).
enum { CPTRACE_X32_SYSCALL_BIT = 0x40000000 };

/// The audit arch of the machine this binary was built for.
uint32_t cptrace_native_audit_arch(void);

// MARK: - Wait statuses (the <sys/wait.h> macros, as functions)

/// waitpid(2) restarted on EINTR. Returns the pid, 0 for WNOHANG with nothing ready, or -errno.
pid_t cptrace_waitpid(pid_t pid, int *status, int options);
/// CLOCK_MONOTONIC in nanoseconds (vDSO: no syscall).
uint64_t cptrace_monotonic_ns(void);
/// __WALL | __WNOTHREAD: every kind of task, and only the calling thread's children and tracees.
int cptrace_wait_options_own_tasks(void);
/// The same with WNOHANG: return 0 at once when none of them has anything to report.
int cptrace_wait_options_own_tasks_nohang(void);
bool cptrace_WIFEXITED(int status);
bool cptrace_WIFSIGNALED(int status);
bool cptrace_WIFSTOPPED(int status);
int cptrace_WEXITSTATUS(int status);
int cptrace_WTERMSIG(int status);
int cptrace_WSTOPSIG(int status);
/// The PTRACE_EVENT_* in a stop status (status >> 16), 0 when none.
int cptrace_WPTRACEEVENT(int status);

// MARK: - ptrace(2), one fixed-arity function per request

int cptrace_ptrace_seize(pid_t pid, uint32_t options);
int cptrace_ptrace_syscall(pid_t pid, int signal);
int cptrace_ptrace_cont(pid_t pid, int signal);
int cptrace_ptrace_listen(pid_t pid);
int cptrace_ptrace_geteventmsg(pid_t pid, unsigned long *message);
/// PTRACE_GETSIGINFO, reduced to what the loop needs.
int cptrace_ptrace_getsiginfo(pid_t pid, int *signo, int *code);

/// A syscall stop, flattened: PTRACE_GET_SYSCALL_INFO's union, or the registers, read into one shape.
typedef struct cptrace_syscall {
    uint8_t op;         // CPTRACE_SYSCALL_INFO_*; register reads leave it NONE (the caller knows the phase)
    uint32_t arch;      // AUDIT_ARCH_*
    uint64_t nr;
    uint64_t args[6];
    int64_t rval;       // meaningful at exit only
    bool is_error;      // rval is -errno
} cptrace_syscall;

/// PTRACE_GET_SYSCALL_INFO (Linux 5.3). Returns 0 or -errno (-EIO on kernels without it).
int cptrace_ptrace_get_syscall_info(pid_t pid, cptrace_syscall *out);
/// PTRACE_GETREGSET(NT_PRSTATUS): the same fields from the registers, for kernels without syscall info,
/// and for tests that force this path. Knows both layouts of each machine (64-bit and 32-bit compat tasks);
/// at entry it also tells an x86_64 task's i386 calls (int $0x80) by the instruction that trapped.
int cptrace_ptrace_getregset_syscall(pid_t pid, cptrace_syscall *out, bool at_entry);
/// PTRACE_SETREGSET(NT_PRSTATUS) of one syscall argument at a syscall-entry (or seccomp) stop: the register
/// that ABI `arch` passes argument `index` in, for the layout the kernel gives the task (an x86_64 task's
/// `int $0x80` call takes ebx.. from the 64-bit layout). The kernel reads the arguments from the registers
/// after the stop (seccomp(2): the tracer "can change the system call arguments"). Returns 0 or -errno.
/// PTRACE_SET_SYSCALL_INFO (Linux 6.16) would do the same without a layout; registers work on every kernel.
int cptrace_ptrace_set_syscall_argument(pid_t pid, uint32_t arch, unsigned index, uint64_t value);

// MARK: - Tracee memory

/// Reads a NUL-terminated string at `address` into `buffer`; the NUL must fit within `capacity` bytes.
/// process_vm_readv(2) in page-bounded chunks; PTRACE_PEEKDATA where that is refused.
/// Returns the length, -ENAMETOOLONG when no NUL fits, or -errno.
long cptrace_read_string(pid_t pid, uint64_t address, uint8_t *buffer, size_t capacity);
/// Reads exactly `length` bytes. Returns 0 or -errno.
int cptrace_read_memory(pid_t pid, uint64_t address, void *buffer, size_t length);
/// PTRACE_POKEDATA of one 64-bit value (a 64-bit tracer's word), which writes through read-only mappings as
/// a debugger does (FOLL_FORCE), where process_vm_writev would fail. Returns 0 or -errno.
int cptrace_write_uint64(pid_t pid, uint64_t address, uint64_t value);

// MARK: - /proc

/// readlink(2) into `buffer`, not NUL-terminated. Returns the length or -errno.
long cptrace_readlink(const char *path, uint8_t *buffer, size_t capacity);
/// readlink of /proc/TID/cwd (fd < 0) or /proc/TID/fd/FD, the path formatted on the stack.
long cptrace_readlink_proc(pid_t tid, int fd, uint8_t *buffer, size_t capacity);

// MARK: - seccomp(2)

/// One traced syscall of one ABI and what the filter does with it.
typedef struct cptrace_filter_rule {
    uint32_t nr;
    uint32_t action;    // a SECCOMP_RET_* value, from cptrace_seccomp_action_*
    /// When >= 0, the call is allowed instead when the low 32 bits of this argument have any bit of
    /// `unless_mask` set (newfstatat and statx with AT_EMPTY_PATH: fstat in disguise).
    int32_t unless_argument;
    uint32_t unless_mask;
    /// Reverses the exception: allowed when *none* of `unless_mask`'s bits are set (clone stops only with
    /// CLONE_UNTRACED).
    bool unless_clear;
} cptrace_filter_rule;

typedef struct cptrace_filter_arch {
    uint32_t audit_arch;
    uint32_t rule_count;
    const cptrace_filter_rule *_Nonnull rules;
} cptrace_filter_arch;

uint32_t cptrace_seccomp_action_trace(void);
uint32_t cptrace_seccomp_action_errno(int error);

/// An opaque, built BPF program (struct sock_fprog and its instructions).
typedef struct cptrace_filter cptrace_filter;

/// Builds a filter that checks seccomp_data.arch first, returns each rule's action for its syscalls and
/// SECCOMP_RET_ALLOW for everything else, including ABIs not listed. Returns NULL with *error set.
cptrace_filter *_Nullable cptrace_seccomp_filter_create(const cptrace_filter_arch *arches, size_t count,
                                                        int *error);
void cptrace_seccomp_filter_destroy(cptrace_filter *_Nullable filter);
/// The number of BPF instructions, for tests.
size_t cptrace_seccomp_filter_length(const cptrace_filter *filter);

// MARK: - Spawning the tracee

typedef struct cptrace_spawn_request {
    /// Paths to try with execve, in order (the PATH search done before the child is made), NULL-terminated.
    const char *_Nullable const *_Nonnull candidates;
    /// The command's argv, NULL-terminated.
    char *_Nullable const *_Nonnull argv;
    /// "/bin/sh", a slot the child fills with the candidate, argv[1...], NULL: execvp's ENOEXEC fallback.
    char *_Nullable *_Nonnull sh_argv;
    /// The environment, NULL-terminated.
    char *_Nullable const *_Nonnull envp;
    /// Installed with PR_SET_NO_NEW_PRIVS before exec; NULL steps every syscall instead.
    const cptrace_filter *_Nullable filter;
    /// The command's signal mask, bit N-1 for signal N: the spawning thread's own mask is nobody's business.
    uint64_t signal_mask;
} cptrace_spawn_request;

/// Records the child sends through its close-on-exec status pipe.
enum {
    CPTRACE_CHILD_SECCOMP_OK = 1,
    CPTRACE_CHILD_SECCOMP_REFUSED = 2,   // value: errno of prctl/seccomp
    CPTRACE_CHILD_EXEC_FAILED = 3,       // value: errno of the last meaningful execve
    CPTRACE_CHILD_SETUP_FAILED = 4,      // value: errno; the child could not wait for the go signal
};

typedef struct cptrace_child_record {
    int32_t kind;
    int32_t value;
} cptrace_child_record;

/// Memory mapped for a process that shares this one's (cptrace_clone_sharing): its stack and what it reads.
typedef struct cptrace_region {
    void *_Nullable base;
    size_t size;
} cptrace_region;

/// The child, made by cptrace_clone_sharing, waits on a pipe until cptrace_spawn_release, installs the filter,
/// and tries each candidate with execve. On success *pid is the child, *status_fd the read end of its
/// close-on-exec status pipe, *go_fd the write end of the go pipe, and *memory the child's stack and its copy of
/// the request: unmap it (cptrace_region_unmap) only once the child has exec'd or ended (its status pipe read to
/// its end), never before.
int cptrace_spawn(const cptrace_spawn_request *request, pid_t *pid, int *status_fd, int *go_fd,
                  cptrace_region *memory);
/// Lets the child go on to exec (after PTRACE_SEIZE) and closes go_fd.
int cptrace_spawn_release(int go_fd);
/// Reads the child's status records into `records` until EOF; returns the count or -errno.
long cptrace_spawn_read_status(int status_fd, cptrace_child_record *records, size_t capacity);

// MARK: - A process that shares this one's memory

/// A system call made without the C library: its result, or -errno; errno is left alone. All a process made by
/// cptrace_clone_sharing may call: it shares this process's memory, and with it the errno (and every other
/// thread-local variable) of the thread that made it.
long cptrace_raw_syscall(long number, long first, long second, long third, long fourth, long fifth);

/// Marks a function a process made by cptrace_clone_sharing runs: it reads no stack canary (the canary is in the
/// thread-local block of the thread that made the process, which may be gone by then).
#if defined(__has_attribute) && __has_attribute(no_stack_protector)
#define CPTRACE_SHARING __attribute__((no_stack_protector))
#else
#define CPTRACE_SHARING
#endif

/// A child process (its own pid, descriptor table and signal dispositions, not a thread) that shares this
/// process's memory (clone(2) with CLONE_VM): nothing is copied, where a fork copies the page tables (a
/// millisecond for a tracer of this size) and every page either side writes afterwards faults (and, with another
/// thread running, sends an IPI to flush the other CPU's TLB). `run(argument)` runs on `stack` with every
/// signal blocked, and may make raw system calls only (cptrace_raw_syscall); the child exits with its result.
/// `stack` must stay mapped until the child has exec'd or ended. Returns the pid or -errno. On a machine without
/// a raw system call here (neither x86_64 nor arm64) it is a fork(2), which needs none of this.
pid_t cptrace_clone_sharing(int (*run)(void *_Nullable), void *_Nullable argument, cptrace_region stack);
/// Maps `size` bytes of zeroed memory, for cptrace_clone_sharing; base NULL when that fails (errno says why).
cptrace_region cptrace_region_map(size_t size);
void cptrace_region_unmap(cptrace_region region);

/// The calling thread's signal mask, bit N-1 for signal N (pthread_sigmask(3)).
uint64_t cptrace_signal_mask_current(void);

int cptrace_close(int fd);
int cptrace_kill(pid_t pid, int signal);
pid_t cptrace_gettid(void);

// MARK: - Signal forwarding

/// Installs handlers for `signals` that pass each to the forwarding target (siginfo si_code <= 0, i.e.
/// sent by a process; a terminal's SIGINT already reached the command through its process group).
/// A signal that arrives before a target is set is held and sent when the target is set. One this process
/// ignores (it was started so: nohup's SIGHUP) is left ignored.
int cptrace_forward_signals_install(const int *signals, size_t count);
void cptrace_forward_signals_set_target(pid_t pid);

// MARK: - The monitor

/// Splits the process in two, so that a trace can outlive the process the caller waits for (daemons). The
/// caller's process becomes the monitor: it runs only C, passes SIGINT, SIGTERM and SIGHUP on to the child,
/// and exits with the status the child sends through `cptrace_monitor_release`, or else with the child's own
/// end. Returns 0 in the child, with *release_fd the write end (close-on-exec); -errno when fork fails.
/// Until released, the child dies with the monitor (PR_SET_PDEATHSIG).
int cptrace_monitor_fork(int *release_fd);
/// In the child: tells the monitor to exit with `status`, stops dying with it and forwarding signals, leaves
/// the session, and points stdin, stdout and stderr at /dev/null. Returns 0 or -errno.
int cptrace_monitor_release(int release_fd, int status);

#if __has_feature(nullability)
#pragma clang assume_nonnull end
#endif

#endif
