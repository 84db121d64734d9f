// Starting the command: everything between clone and exec is here, in raw system calls throughout (the child
// shares the tracer's memory until its exec: see cptrace_clone_sharing).
#ifndef _GNU_SOURCE
#error "CPtrace needs _GNU_SOURCE (Package.swift's cSettings define it)"
#endif

#include "CPtrace.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

const struct sock_fprog *cptrace_seccomp_filter_program(const cptrace_filter *filter);
int cptrace_seccomp_install_in_child(const struct sock_fprog *program);

// MARK: - A process that shares this one's memory

#if defined(__x86_64__) || defined(__aarch64__)
#define RAW_SYSCALLS 1
#endif

CPTRACE_SHARING long cptrace_raw_syscall(long number, long first, long second, long third, long fourth, long fifth) {
#if defined(__x86_64__)
    long result;
    register long r10 __asm__("r10") = fourth;
    register long r8 __asm__("r8") = fifth;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(first), "S"(second), "d"(third), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return result;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = first;
    register long x1 __asm__("x1") = second;
    register long x2 __asm__("x2") = third;
    register long x3 __asm__("x3") = fourth;
    register long x4 __asm__("x4") = fifth;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
    return x0;
#else
    long result = syscall(number, first, second, third, fourth, fifth);
    return result == -1 ? -errno : result;
#endif
}

cptrace_region cptrace_region_map(size_t size) {
    long page = sysconf(_SC_PAGESIZE);
    size_t rounded = (size + (size_t)page - 1) & ~((size_t)page - 1);
    void *base = mmap(NULL, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    return base == MAP_FAILED ? (cptrace_region){NULL, 0} : (cptrace_region){base, rounded};
}

void cptrace_region_unmap(cptrace_region region) {
    if (region.base) munmap(region.base, region.size);
}

pid_t cptrace_clone_sharing(int (*run)(void *), void *argument, cptrace_region stack) {
    // Every signal blocked from before the child exists: a handler of this process run in the child would run on
    // this process's memory. The child unblocks what it wants once it has set its dispositions.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
#ifdef RAW_SYSCALLS
    // The stack's top, 16-byte aligned as both ABIs want it at a call.
    void *top = (void *)(((uintptr_t)stack.base + stack.size) & ~(uintptr_t)15);
    pid_t child = clone(run, top, CLONE_VM | SIGCHLD, argument);
    int error = errno;
#else
    (void)stack;
    pid_t child = fork();
    int error = errno;
    if (child == 0) _exit(run(argument));
#endif
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return child < 0 ? -error : child;
}

// MARK: - The command's child

/// What the child reads, all of it in the spawn's own memory (see cptrace_spawn): the child shares the tracer's
/// memory until its exec, and the caller's request may be gone by then.
struct spawn_child {
    char **candidates;
    char **argv;
    char **sh_argv;
    char **envp;
    /// The filter's program and instructions, copied; NULL for none.
    struct sock_fprog *filter;
    uint64_t signal_mask;
    /// The child's ends of its pipes, and the tracer's ends it closes.
    int status_fd;
    int go_fd;
    int status_read_end;
    int go_write_end;
};

CPTRACE_SHARING static void child_report(int fd, int32_t kind, int32_t value) {
    cptrace_child_record record = {.kind = kind, .value = value};
    // The parent learns of a failure from the exit status too.
    cptrace_raw_syscall(SYS_write, fd, (long)&record, sizeof record, 0, 0);
}

// glibc's two internal signals (SIGCANCEL, SIGSETXID: the first two real-time signals): its first
// pthread_create puts its own handler on SIGSETXID, which exec turns into SIG_DFL, and sigaction(3) refuses
// to touch either. Which of them the process was started with ignored (a tracer that made threads, the eBPF
// engine's loader does, must still hand the command the dispositions it was given), read before main.
enum { INTERNAL_SIGNALS = 2 };
static bool started_ignoring[INTERNAL_SIGNALS];

/// The kernel's struct sigaction (x86_64 and arm64 alike): what rt_sigaction(2) reads and writes.
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

/// The kernel's first real-time signal is 32 (SIGRTMIN, as libc shows it, is past the ones libc keeps).
enum { FIRST_INTERNAL_SIGNAL = 32, KERNEL_SIGNALS = 64 };

__attribute__((constructor(101))) static void note_internal_signals(void) {
    for (int index = 0; index < INTERNAL_SIGNALS; index++) {
        struct kernel_sigaction current;
        started_ignoring[index] = syscall(SYS_rt_sigaction, FIRST_INTERNAL_SIGNAL + index, NULL, &current,
                                          sizeof(current.mask)) == 0 && current.handler == SIG_IGN;
    }
}

/// The dispositions the command starts with: every handler of the tracer's back to SIG_DFL (exec would do it,
/// but a signal before exec must not run one in the child, on the tracer's memory), the internal signals ignored
/// where the tracer was started with them ignored.
CPTRACE_SHARING static void reset_signal_dispositions(void) {
    struct kernel_sigaction default_action = {.handler = SIG_DFL};
    struct kernel_sigaction ignore = {.handler = SIG_IGN};
    for (long signal = 1; signal <= KERNEL_SIGNALS; signal++) {
        struct kernel_sigaction current;
        long size = sizeof(current.mask);
        if (cptrace_raw_syscall(SYS_rt_sigaction, signal, 0, (long)&current, size, 0) != 0) continue;
        long internal = signal - FIRST_INTERNAL_SIGNAL;
        if (internal >= 0 && internal < INTERNAL_SIGNALS && started_ignoring[internal]) {
            cptrace_raw_syscall(SYS_rt_sigaction, signal, (long)&ignore, 0, size, 0);
        } else if (current.handler != SIG_DFL && current.handler != SIG_IGN) {
            cptrace_raw_syscall(SYS_rt_sigaction, signal, (long)&default_action, 0, size, 0);
        }
    }
}

CPTRACE_SHARING static bool exec_goes_on(long error) {
    return error == ENOENT || error == ENOTDIR || error == ESTALE || error == ENODEV || error == ETIMEDOUT;
}

// The child: wait until the parent has seized (or follows) us, install the filter, exec. The PATH search was
// done by the parent into `candidates`; the rules are execvp's (glibc posix/execvpe.c): EACCES is remembered
// and the search goes on, ENOENT/ENOTDIR/ESTALE go on, ENOEXEC runs the file with /bin/sh, anything else stops.
CPTRACE_SHARING static int child_main(void *argument) {
    struct spawn_child *child = argument;
    cptrace_raw_syscall(SYS_close, child->status_read_end, 0, 0, 0, 0);
    cptrace_raw_syscall(SYS_close, child->go_write_end, 0, 0, 0, 0);
    reset_signal_dispositions();
    // The command's signal mask (bit N-1 for signal N is the kernel's own layout of a sigset).
    uint64_t mask = child->signal_mask;
    cptrace_raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, sizeof(mask), 0);

    char go = 0;
    long got;
    do {
        got = cptrace_raw_syscall(SYS_read, child->go_fd, (long)&go, 1, 0, 0);
    } while (got == -EINTR);
    if (got != 1) {
        // The parent could not seize us (or died): never run the command untraced.
        child_report(child->status_fd, CPTRACE_CHILD_SETUP_FAILED, got < 0 ? (int32_t)-got : EPIPE);
        return 125;
    }
    cptrace_raw_syscall(SYS_close, child->go_fd, 0, 0, 0, 0);

    if (child->filter != NULL) {
        int result = cptrace_seccomp_install_in_child(child->filter);
        child_report(child->status_fd, result == 0 ? CPTRACE_CHILD_SECCOMP_OK : CPTRACE_CHILD_SECCOMP_REFUSED,
                     -result);
    }

    long error = ENOENT;
    bool saw_eacces = false;
    for (size_t i = 0; child->candidates[i] != NULL; i++) {
        char *path = child->candidates[i];
        error = -cptrace_raw_syscall(SYS_execve, (long)path, (long)child->argv, (long)child->envp, 0, 0);
        if (error == ENOEXEC) {
            child->sh_argv[1] = path;
            error = -cptrace_raw_syscall(SYS_execve, (long)"/bin/sh", (long)child->sh_argv, (long)child->envp, 0, 0);
            break;
        }
        if (error == EACCES) {
            saw_eacces = true;
            continue;
        }
        if (exec_goes_on(error)) continue;
        break;
    }
    if (saw_eacces && exec_goes_on(error)) error = EACCES;
    child_report(child->status_fd, CPTRACE_CHILD_EXEC_FAILED, (int32_t)error);
    return error == ENOENT || error == ENOTDIR ? 127 : 126;
}

// MARK: - Copying the request into the child's memory

/// A bump allocator over the spawn's region, past the child's stack.
struct arena {
    char *next;
    char *end;
};

/// `size` bytes at the next multiple of `alignment` (a power of two); NULL when they do not fit.
static void *take(struct arena *arena, size_t size, size_t alignment) {
    uintptr_t at = ((uintptr_t)arena->next + alignment - 1) & ~(uintptr_t)(alignment - 1);
    if (at > (uintptr_t)arena->end || size > (uintptr_t)arena->end - at) return NULL;
    arena->next = (char *)(at + size);
    return (void *)at;
}

/// What taking `size` bytes may need, at most, with its alignment's padding.
static size_t taken(size_t size, size_t alignment) { return size + alignment - 1; }

/// The bytes a copy of `strings` (NULL-terminated) takes at most: the array, then each string.
static size_t strings_size(char *const *strings) {
    size_t count = 0, size = 0;
    for (; strings[count] != NULL; count++) size += strlen(strings[count]) + 1;
    return taken((count + 1) * sizeof(char *), _Alignof(char *)) + size;
}

/// A copy of `strings` in the arena.
static char **copy_strings(struct arena *arena, char *const *strings) {
    size_t count = 0;
    while (strings[count] != NULL) count++;
    char **copy = take(arena, (count + 1) * sizeof(char *), _Alignof(char *));
    if (!copy) return NULL;
    for (size_t index = 0; index < count; index++) {
        size_t length = strlen(strings[index]) + 1;
        copy[index] = take(arena, length, 1);
        if (!copy[index]) return NULL;
        memcpy(copy[index], strings[index], length);
    }
    copy[count] = NULL;
    return copy;
}

enum { CHILD_STACK_BYTES = 64 * 1024 };

/// Maps the child's region (its stack, then its copy of the request) and fills it in. NULL with errno set.
static struct spawn_child *prepare_child(const cptrace_spawn_request *request, cptrace_region *region) {
    const struct sock_fprog *filter = request->filter ? cptrace_seccomp_filter_program(request->filter) : NULL;
    size_t instructions_size = filter ? filter->len * sizeof(struct sock_filter) : 0;
    size_t size = CHILD_STACK_BYTES + taken(sizeof(struct spawn_child), _Alignof(struct spawn_child))
        + strings_size((char *const *)request->candidates) + strings_size(request->argv)
        + strings_size(request->sh_argv) + strings_size(request->envp)
        + (filter ? taken(sizeof(*filter), _Alignof(struct sock_fprog))
                        + taken(instructions_size, _Alignof(struct sock_filter)) : 0);
    *region = cptrace_region_map(size);
    if (!region->base) return NULL;
    struct arena arena = {(char *)region->base + CHILD_STACK_BYTES, (char *)region->base + region->size};
    // Every size was counted above, padding included: nothing below fails to fit (the checks are for safety).
    struct spawn_child *child = take(&arena, sizeof(*child), _Alignof(struct spawn_child));
    bool complete = child != NULL;
    if (complete) {
        child->candidates = copy_strings(&arena, (char *const *)request->candidates);
        child->argv = copy_strings(&arena, request->argv);
        child->sh_argv = copy_strings(&arena, request->sh_argv);
        child->envp = copy_strings(&arena, request->envp);
        child->signal_mask = request->signal_mask;
        complete = child->candidates && child->argv && child->sh_argv && child->envp;
    }
    if (complete && filter) {
        child->filter = take(&arena, sizeof(*filter), _Alignof(struct sock_fprog));
        struct sock_filter *instructions = take(&arena, instructions_size, _Alignof(struct sock_filter));
        complete = child->filter && instructions;
        if (complete) {
            memcpy(instructions, filter->filter, instructions_size);
            *child->filter = (struct sock_fprog){.len = filter->len, .filter = instructions};
        }
    }
    if (!complete) {
        cptrace_region_unmap(*region);
        *region = (cptrace_region){NULL, 0};
        errno = ENOMEM;
        return NULL;
    }
    return child;
}

int cptrace_spawn(const cptrace_spawn_request *request, pid_t *pid, int *status_fd, int *go_fd,
                  cptrace_region *memory) {
    int status_pipe[2];
    int go_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) return -errno;
    if (pipe2(go_pipe, O_CLOEXEC) != 0) {
        int error = errno;
        close(status_pipe[0]);
        close(status_pipe[1]);
        return -error;
    }
    struct spawn_child *child = prepare_child(request, memory);
    pid_t made = child ? -1 : -errno;
    if (child) {
        child->status_fd = status_pipe[1];
        child->go_fd = go_pipe[0];
        child->status_read_end = status_pipe[0];
        child->go_write_end = go_pipe[1];
        // The stack is the region's first CHILD_STACK_BYTES (it grows down from there); the copy comes after.
        made = cptrace_clone_sharing(child_main, child, (cptrace_region){memory->base, CHILD_STACK_BYTES});
    }
    if (made < 0) {
        close(status_pipe[0]);
        close(status_pipe[1]);
        close(go_pipe[0]);
        close(go_pipe[1]);
        cptrace_region_unmap(*memory);
        *memory = (cptrace_region){NULL, 0};
        return made;
    }
    close(status_pipe[1]);
    close(go_pipe[0]);
    *pid = made;
    *status_fd = status_pipe[0];
    *go_fd = go_pipe[1];
    return 0;
}

uint64_t cptrace_signal_mask_current(void) {
    sigset_t mask;
    sigemptyset(&mask);
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    uint64_t bits = 0;
    for (int s = 1; s <= 64 && s < NSIG; s++) {
        if (sigismember(&mask, s) == 1) bits |= UINT64_C(1) << (s - 1);
    }
    return bits;
}

int cptrace_spawn_release(int go_fd) {
    char go = 'g';
    ssize_t written;
    do {
        written = write(go_fd, &go, 1);
    } while (written < 0 && errno == EINTR);
    int error = written == 1 ? 0 : -errno;
    close(go_fd);
    return error;
}

long cptrace_spawn_read_status(int status_fd, cptrace_child_record *records, size_t capacity) {
    size_t count = 0;
    uint8_t buffer[sizeof(cptrace_child_record)];
    size_t filled = 0;
    for (;;) {
        ssize_t got = read(status_fd, buffer + filled, sizeof buffer - filled);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (got == 0) break;
        filled += (size_t)got;
        if (filled == sizeof buffer) {
            if (count < capacity) memcpy(&records[count++], buffer, sizeof buffer);
            filled = 0;
        }
    }
    return (long)count;
}

// MARK: - Signal forwarding

static volatile sig_atomic_t forward_target = 0;
static volatile sig_atomic_t held_signal = 0;

static void forward_handler(int signal, siginfo_t *info, void *context) {
    (void)context;
    // si_code > 0 means the kernel raised it, e.g. a terminal's ^C to the whole foreground process group,
    // which the command received as well; passing it on would deliver it twice.
    if (info != NULL && info->si_code > 0) return;
    pid_t target = (pid_t)forward_target;
    if (target > 0) {
        int saved = errno;
        kill(target, signal);
        errno = saved;
    } else {
        held_signal = signal;
    }
}

int cptrace_forward_signals_install(const int *signals, size_t count) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = forward_handler;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < count; i++) {
        // One this process was started with ignored (nohup's SIGHUP) stays ignored, here and in the command,
        // as it would be untraced: there is nothing to pass on.
        struct sigaction current;
        if (sigaction(signals[i], NULL, &current) == 0 && current.sa_handler == SIG_IGN) continue;
        if (sigaction(signals[i], &action, NULL) != 0) return -errno;
    }
    return 0;
}

void cptrace_forward_signals_set_target(pid_t pid) {
    forward_target = pid;
    int held = held_signal;
    if (pid > 0 && held != 0) {
        held_signal = 0;
        kill(pid, held);
    }
}

// MARK: - The monitor: the process the caller waits for

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int cptrace_monitor_fork(int *release_fd) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -errno;
    pid_t monitor = getpid();
    pid_t child = fork();
    if (child < 0) {
        int error = errno;
        close(fds[0]);
        close(fds[1]);
        return -error;
    }
    if (child == 0) {
        close(fds[0]);
        // Until released, the child dies with the monitor: killing the process the caller started still kills
        // the trace and, through PTRACE_O_EXITKILL, the command (SPEC: What is traced).
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != monitor) raise(SIGKILL);
        *release_fd = fds[1];
        return 0;
    }
    close(fds[1]);
    // The monitor runs nothing but this: pass on SIGINT, SIGTERM and SIGHUP sent to it, wait for a status.
    forward_target = child;
    const int forwarded[] = {SIGINT, SIGTERM, SIGHUP};
    cptrace_forward_signals_install(forwarded, 3);
    int32_t value = 0;
    size_t got = 0;
    while (got < sizeof value) {
        ssize_t count = read(fds[0], (char *)&value + got, sizeof value - got);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        got += (size_t)count;
    }
    if (got == sizeof value) _exit(value & 0xFF);
    // No status sent: the child ended (the usual case); its status is ours.
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        signal(WTERMSIG(status), SIG_DFL);
        raise(WTERMSIG(status));
        _exit(128 + WTERMSIG(status));
    }
    _exit(125);
}

int cptrace_monitor_release(int release_fd, int status) {
    prctl(PR_SET_PDEATHSIG, 0);
    // No forwarding from now on: the command is gone, and a signal meant for it must not reach a reused pid.
    forward_target = 0;
    held_signal = 0;
    int32_t value = status;
    size_t sent = 0;
    while (sent < sizeof value) {
        ssize_t count = write(release_fd, (const char *)&value + sent, sizeof value - sent);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        sent += (size_t)count;
    }
    close(release_fd);
    if (sent < sizeof value) return -EPIPE;
    // Out of the caller's session (no hang-up from its terminal) and off its stdin, stdout and stderr, so that
    // a caller reading them to the end is not held for the daemons' lifetime.
    setsid();
    // Every other descriptor too: a caller may watch one it passed down (Foundation's Process waits for the end
    // of a socket its child inherits), and nothing this process does from now on needs a file.
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
    {
        long limit = sysconf(_SC_OPEN_MAX);
        if (limit < 0 || limit > 65536) limit = 65536;
        for (int fd = 3; fd < limit; fd++) close(fd);
    }
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) close(null);
    }
    return 0;
}
