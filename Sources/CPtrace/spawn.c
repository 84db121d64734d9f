// Starting the command: everything between fork and exec is here, async-signal-safe throughout.
#ifndef _GNU_SOURCE
#error "CPtrace needs _GNU_SOURCE (Package.swift's cSettings define it)"
#endif

#include "CPtrace.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int cptrace_seccomp_install_in_child(const cptrace_filter *filter);

static void child_report(int fd, int32_t kind, int32_t value) {
    cptrace_child_record record = {.kind = kind, .value = value};
    ssize_t ignored = write(fd, &record, sizeof record);
    (void)ignored;   // the parent learns of a failure from the exit status too
}

// glibc's two internal signals (SIGCANCEL, SIGSETXID: the first two real-time signals): its first
// pthread_create puts its own handler on SIGSETXID, which exec turns into SIG_DFL, and sigaction(2) refuses
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
static int internal_signal(int index) { return 32 + index; }

__attribute__((constructor(101))) static void note_internal_signals(void) {
    for (int index = 0; index < INTERNAL_SIGNALS; index++) {
        struct kernel_sigaction current;
        started_ignoring[index] = syscall(SYS_rt_sigaction, internal_signal(index), NULL, &current,
                                          sizeof(current.mask)) == 0 && current.handler == SIG_IGN;
    }
}

static void restore_internal_signals(void) {
    struct kernel_sigaction ignore = {.handler = SIG_IGN};
    for (int index = 0; index < INTERNAL_SIGNALS; index++) {
        if (started_ignoring[index]) {
            syscall(SYS_rt_sigaction, internal_signal(index), &ignore, NULL, sizeof(ignore.mask));
        }
    }
}

// The child: wait until the parent has seized us, install the filter, exec. The PATH search was done by
// the parent into `candidates`; the rules are execvp's (glibc posix/execvpe.c): EACCES is remembered and
// the search goes on, ENOENT/ENOTDIR/ESTALE go on, ENOEXEC runs the file with /bin/sh, anything else stops.
static void child_main(const cptrace_spawn_request *request, int status_fd, int go_fd) {
    char go = 0;
    ssize_t got;
    do {
        got = read(go_fd, &go, 1);
    } while (got < 0 && errno == EINTR);
    if (got != 1) {
        // The parent could not seize us (or died): never run the command untraced.
        child_report(status_fd, CPTRACE_CHILD_SETUP_FAILED, got < 0 ? errno : EPIPE);
        _exit(125);
    }
    close(go_fd);

    if (request->filter != NULL) {
        int result = cptrace_seccomp_install_in_child(request->filter);
        child_report(status_fd, result == 0 ? CPTRACE_CHILD_SECCOMP_OK : CPTRACE_CHILD_SECCOMP_REFUSED, -result);
    }

    int error = ENOENT;
    bool saw_eacces = false;
    for (size_t i = 0; request->candidates[i] != NULL; i++) {
        const char *path = request->candidates[i];
        execve(path, request->argv, request->envp);
        error = errno;
        if (error == ENOEXEC) {
            request->sh_argv[1] = (char *)path;
            execve("/bin/sh", request->sh_argv, request->envp);
            error = errno;
            break;
        }
        if (error == EACCES) {
            saw_eacces = true;
            continue;
        }
        if (error == ENOENT || error == ENOTDIR || error == ESTALE || error == ENODEV || error == ETIMEDOUT) {
            continue;
        }
        break;
    }
    if (saw_eacces && (error == ENOENT || error == ENOTDIR || error == ESTALE || error == ENODEV ||
                       error == ETIMEDOUT)) {
        error = EACCES;
    }
    child_report(status_fd, CPTRACE_CHILD_EXEC_FAILED, error);
    _exit(error == ENOENT || error == ENOTDIR ? 127 : 126);
}

int cptrace_spawn(const cptrace_spawn_request *request, pid_t *pid, int *status_fd, int *go_fd) {
    int status_pipe[2];
    int go_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) return -errno;
    if (pipe2(go_pipe, O_CLOEXEC) != 0) {
        int error = errno;
        close(status_pipe[0]);
        close(status_pipe[1]);
        return -error;
    }
    pid_t child = fork();
    if (child < 0) {
        int error = errno;
        close(status_pipe[0]);
        close(status_pipe[1]);
        close(go_pipe[0]);
        close(go_pipe[1]);
        return -error;
    }
    if (child == 0) {
        close(status_pipe[0]);
        close(go_pipe[1]);
        // The tracer's handlers for forwarded signals must not run in the command before exec resets
        // them (a handler would forward the signal to the command itself).
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int s = 1; s < NSIG; s++) {
            struct sigaction current;
            if (sigaction(s, NULL, &current) == 0 && (current.sa_flags & SA_SIGINFO) &&
                current.sa_sigaction != NULL) {
                sigaction(s, &dfl, NULL);
            }
        }
        restore_internal_signals();
        sigset_t mask;
        sigemptyset(&mask);
        for (int s = 1; s <= 64 && s < NSIG; s++) {
            if (request->signal_mask & (UINT64_C(1) << (s - 1))) sigaddset(&mask, s);
        }
        sigprocmask(SIG_SETMASK, &mask, NULL);
        child_main(request, status_pipe[1], go_pipe[0]);
        _exit(125);   // not reached: child_main execs or exits
    }
    close(status_pipe[1]);
    close(go_pipe[0]);
    *pid = child;
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
