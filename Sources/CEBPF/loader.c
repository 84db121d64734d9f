// See include/CEBPF.h.
#ifndef _GNU_SOURCE
#error "CEBPF needs _GNU_SOURCE (Package.swift's cSettings)"
#endif

#include "CEBPF.h"
#include "kernel_btf.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_LINKS = 8 };

struct cebpf_trace {
    struct bpf_object *object;
    struct bpf_link *links[MAX_LINKS];
    int link_count;
    struct ring_buffer *ring;
    int followed_fd;
    int counters_fd;
    cebpf_handler handler;
    void *context;
    /// The guard process (see cebpf_guard) and the pipe whose end tells it the tracer is gone.
    pid_t guard;
    int guard_pipe;
    /// A pidfd of the process whose exit ends a wait in cebpf_poll (cebpf_wake_on_exit); -1: none.
    int exit_fd;
};

// libbpf reports through one process-wide print callback; each thread keeps its own last line, so two
// traces opening at once on two threads never mix their reasons.
static __thread char last_message[256];


static int keep_last_message(enum libbpf_print_level level, const char *format, va_list arguments) {
    // IOTRACE_BPF_LOG=1 shows everything libbpf says (the verifier's log among it): for working on the program.
    if (getenv("IOTRACE_BPF_LOG")) {
        va_list copy;
        va_copy(copy, arguments);
        vfprintf(stderr, format, copy);
        va_end(copy);
    }
    if (level == LIBBPF_DEBUG) return 0;
    char line[sizeof(last_message)];
    int length = vsnprintf(line, sizeof(line), format, arguments);
    if (length <= 0) return 0;
    // Keep the last non-empty line without its newline; libbpf's multi-line verifier dumps end in a summary.
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == ' ')) line[--length] = 0;
    if (length > 0) memcpy(last_message, line, (size_t)length + 1);
    return 0;
}

static void describe(char *reason, size_t capacity, const char *step, int error) {
    const char *advice = "";
    if (error == EPERM || error == EACCES) {
        advice = ": run as root, or with CAP_BPF and CAP_PERFMON (and kernel.unprivileged_bpf_disabled does not "
                 "matter then)";
    } else if (error == ENOSYS) {
        advice = ": this kernel has no BPF syscall (CONFIG_BPF_SYSCALL)";
    }
    snprintf(reason, capacity, "%s failed (%s)%s%s%s", step, strerror(error), advice,
             last_message[0] ? "; libbpf: " : "", last_message);
}

int cebpf_probe(char *reason, size_t reason_capacity) {
    struct stat info;
    if (stat("/sys/kernel/btf/vmlinux", &info) != 0) {
        int error = errno;
        snprintf(reason, reason_capacity,
                 "the kernel has no BTF (/sys/kernel/btf/vmlinux: %s): CONFIG_DEBUG_INFO_BTF is needed",
                 strerror(error));
        return -error;
    }
    return 0;
}

static int handle_record(void *context, void *data, size_t size) {
    struct cebpf_trace *trace = context;
    return trace->handler ? trace->handler(trace->context, data, size) : 0;
}

/// The program's hash maps allocate their elements as they go (BPF_F_NO_PREALLOC), not 65,536 of them at every
/// start, where the kernel has its BPF memory allocator (6.1 and later). Before it, a tracing program with such
/// a map puts a warning in the kernel's log: there, they are preallocated.
static bool has_memory_allocator(void) {
    struct utsname name;
    unsigned major = 0, minor = 0;
    if (uname(&name) != 0 || sscanf(name.release, "%u.%u", &major, &minor) != 2) return false;
    return major > 6 || (major == 6 && minor >= 1);
}

/// Opens the object with `kernel_btf` (a path; NULL: the kernel's whole BTF) as the BTF its CO-RE relocations
/// are made against, sizes its maps and loads it. 0, or -errno with the reason written.
static int open_and_load(struct cebpf_trace *trace, const void *object, size_t size, uint32_t ring_bytes,
                         const char *kernel_btf, char *reason, size_t reason_capacity) {
    LIBBPF_OPTS(bpf_object_open_opts, options, .object_name = "iotrace", .btf_custom_path = kernel_btf);
    trace->object = bpf_object__open_mem(object, size, &options);
    if (!trace->object) {
        int error = errno;
        describe(reason, reason_capacity, "opening the eBPF program", error);
        return -error;
    }
    int error;
    struct bpf_map *events = bpf_object__find_map_by_name(trace->object, "events");
    if (!events || (error = -bpf_map__set_max_entries(events, ring_bytes)) != 0) {
        if (!events) error = ENOENT;
        describe(reason, reason_capacity, "sizing the ring buffer", error);
        return -error;
    }
    struct bpf_map *scratch = bpf_object__find_map_by_name(trace->object, "scratch_space");
    int cpus = libbpf_num_possible_cpus();
    if (!scratch || cpus <= 0 || (error = -bpf_map__set_max_entries(scratch, (uint32_t)cpus)) != 0) {
        if (!scratch || cpus <= 0) error = cpus < 0 ? -cpus : ENOENT;
        describe(reason, reason_capacity, "sizing the scratch space", error);
        return -error;
    }
    if (!has_memory_allocator()) {
        struct bpf_map *map;
        bpf_object__for_each_map(map, trace->object) {
            __u32 flags = bpf_map__map_flags(map);
            if (flags & BPF_F_NO_PREALLOC) bpf_map__set_map_flags(map, flags & ~(__u32)BPF_F_NO_PREALLOC);
        }
    }
    if ((error = -bpf_object__load(trace->object)) != 0) {
        describe(reason, reason_capacity, "loading the eBPF program", error);
        return -error;
    }
    return 0;
}

/// The kernel's BTF cut down to what the program reads (kernel_btf.c), as a path libbpf can open; -errno when
/// it cannot be made here (libbpf then reads the whole BTF). IOTRACE_BPF_WHOLE_BTF=1 skips it, to compare.
static int cut_kernel_btf(const void *object, size_t size, char *path, size_t path_capacity) {
    const char *whole = getenv("IOTRACE_BPF_WHOLE_BTF");
    if (whole && strcmp(whole, "1") == 0) return -ECANCELED;
    LIBBPF_OPTS(bpf_object_open_opts, options, .object_name = "iotrace");
    struct bpf_object *opened = bpf_object__open_mem(object, size, &options);
    if (!opened) return -errno;
    const struct btf *local = bpf_object__btf(opened);
    int fd = local ? cebpf_cut_kernel_btf(local) : -ENOENT;
    bpf_object__close(opened);
    if (fd < 0) return fd;
    snprintf(path, path_capacity, "/proc/self/fd/%d", fd);
    if (access(path, R_OK) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    return fd;
}

int cebpf_open(const void *object, size_t size, uint32_t ring_bytes, const struct cebpf_row *rows,
               size_t row_count, cebpf_trace **out, char *reason, size_t reason_capacity) {
    *out = NULL;
    last_message[0] = 0;
    libbpf_set_print(keep_last_message);
    int error = cebpf_probe(reason, reason_capacity);
    if (error) return error;
    struct cebpf_trace *trace = calloc(1, sizeof(*trace));
    if (!trace) return -ENOMEM;
    trace->guard_pipe = -1;
    trace->exit_fd = -1;
    char kernel_btf[64];
    int kernel_btf_fd = cut_kernel_btf(object, size, kernel_btf, sizeof(kernel_btf));
    error = open_and_load(trace, object, size, ring_bytes, kernel_btf_fd >= 0 ? kernel_btf : NULL, reason,
                          reason_capacity);
    if (error && kernel_btf_fd >= 0) {
        // Whatever the cut-down BTF lacked, the whole one has: load again against it, and report that load.
        bpf_object__close(trace->object);
        trace->object = NULL;
        last_message[0] = 0;
        error = open_and_load(trace, object, size, ring_bytes, NULL, reason, reason_capacity);
    }
    if (kernel_btf_fd >= 0) close(kernel_btf_fd);
    if (error) {
        error = -error;
        goto fail;
    }
    int rows_fd = bpf_object__find_map_fd_by_name(trace->object, "rows");
    trace->followed_fd = bpf_object__find_map_fd_by_name(trace->object, "followed");
    trace->counters_fd = bpf_object__find_map_fd_by_name(trace->object, "counters");
    if (rows_fd < 0 || trace->followed_fd < 0 || trace->counters_fd < 0) {
        error = ENOENT;
        describe(reason, reason_capacity, "finding the program's maps", error);
        goto fail;
    }
    for (uint32_t key = 0; key < row_count; key++) {
        if (rows[key].kind == CEBPF_ROW_NONE) continue;
        if (bpf_map_update_elem(rows_fd, &key, &rows[key], BPF_ANY) != 0) {
            error = errno;
            describe(reason, reason_capacity, "filling the syscall rows", error);
            goto fail;
        }
    }
    trace->ring = ring_buffer__new(bpf_object__find_map_fd_by_name(trace->object, "events"), handle_record, trace,
                                   NULL);
    if (!trace->ring) {
        error = errno;
        describe(reason, reason_capacity, "opening the ring buffer", error);
        goto fail;
    }
    struct bpf_program *program;
    bpf_object__for_each_program(program, trace->object) {
        if (trace->link_count == MAX_LINKS) break;
        struct bpf_link *link = bpf_program__attach(program);
        if (!link) {
            error = errno;
            describe(reason, reason_capacity, "attaching the eBPF program", error);
            goto fail;
        }
        trace->links[trace->link_count++] = link;
    }
    *out = trace;
    return 0;
fail:
    cebpf_close(trace);
    return -error;
}

// The guard: what PTRACE_O_EXITKILL is to the ptrace engine. A child of the tracer that blocks on a pipe only
// the tracer writes to; when the tracer dies (even by SIGKILL) the pipe ends, and the guard kills every process
// still in the followed map, again and again until the map is empty: the program, kept attached by the guard's
// copies of the tracer's descriptors, goes on adding the children they fork meanwhile. After a normal end the
// map is empty and the guard exits at once.
static void guard_run(int pipe_fd, int followed_fd) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        // Off the caller's stdin, stdout and stderr: one reading them to the end is not held by the guard.
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
    }
    // A terminal's ^C reaches the whole process group: the guard must outlive the tracer it guards.
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    char byte;
    while (read(pipe_fd, &byte, 1) < 0 && errno == EINTR) {}
    for (int round = 0; round < 500; round++) {
        uint32_t key, next;
        int found = 0;
        int more = bpf_map_get_next_key(followed_fd, NULL, &next) == 0;
        while (more) {
            key = next;
            found = 1;
            kill((pid_t)key, SIGKILL);
            more = bpf_map_get_next_key(followed_fd, &key, &next) == 0;
        }
        if (!found) break;
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    _exit(0);
}

int cebpf_guard(cebpf_trace *trace) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -errno;
    pid_t guard = fork();
    if (guard < 0) {
        int error = errno;
        close(fds[0]);
        close(fds[1]);
        return -error;
    }
    if (guard == 0) {
        close(fds[1]);
        guard_run(fds[0], trace->followed_fd);
    }
    close(fds[0]);
    trace->guard = guard;
    trace->guard_pipe = fds[1];
    return 0;
}

int cebpf_unfollow(cebpf_trace *trace, uint32_t pid) {
    if (bpf_map_delete_elem(trace->followed_fd, &pid) != 0 && errno != ENOENT) return -errno;
    return 0;
}

int cebpf_follow(cebpf_trace *trace, uint32_t pid) {
    uint32_t threads = 1;
    if (bpf_map_update_elem(trace->followed_fd, &pid, &threads, BPF_ANY) != 0) return -errno;
    return 0;
}

int cebpf_wake_on_exit(cebpf_trace *trace, uint32_t pid) {
#ifdef SYS_pidfd_open
    if (trace->exit_fd >= 0) close(trace->exit_fd);
    trace->exit_fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    return trace->exit_fd < 0 ? -errno : 0;
#else
    (void)trace;
    (void)pid;
    return -ENOSYS;
#endif
}

int cebpf_poll(cebpf_trace *trace, int timeout_ms, cebpf_handler handler, void *context) {
    // The program sends records without a wake-up (see emit in iotrace.bpf.c), so the ring's descriptor is
    // readable only when the buffer fills up: wait for that, for the watched process's exit, or for the
    // timeout; then consume whatever is there either way.
    if (timeout_ms != 0) {
        struct pollfd waits[2] = {{.fd = ring_buffer__epoll_fd(trace->ring), .events = POLLIN},
                                  {.fd = trace->exit_fd, .events = POLLIN}};
        int ready = poll(waits, trace->exit_fd >= 0 ? 2 : 1, timeout_ms);
        if (ready < 0) return -errno;
        if (trace->exit_fd >= 0 && waits[1].revents) {
            // It has exited: readable from now on, it would end every later wait at once.
            close(trace->exit_fd);
            trace->exit_fd = -1;
        }
    }
    trace->handler = handler;
    trace->context = context;
    int consumed = ring_buffer__consume(trace->ring);
    trace->handler = NULL;
    trace->context = NULL;
    return consumed;
}

int cebpf_counters(cebpf_trace *trace, uint64_t *values) {
    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) return cpus < 0 ? cpus : -EINVAL;
    uint64_t *per_cpu = calloc((size_t)cpus, sizeof(uint64_t));
    if (!per_cpu) return -ENOMEM;
    for (uint32_t key = 0; key < CEBPF_COUNTERS; key++) {
        values[key] = 0;
        if (bpf_map_lookup_elem(trace->counters_fd, &key, per_cpu) != 0) {
            int error = errno;
            free(per_cpu);
            return -error;
        }
        for (int cpu = 0; cpu < cpus; cpu++) values[key] += per_cpu[cpu];
    }
    free(per_cpu);
    return 0;
}

void cebpf_close(cebpf_trace *trace) {
    if (!trace) return;
    if (trace->guard_pipe >= 0) {
        // The followed map is empty at a normal end: the guard exits at once; reap it before detaching, so
        // that no copy of the links outlives this call.
        close(trace->guard_pipe);
        int status;
        while (waitpid(trace->guard, &status, 0) < 0 && errno == EINTR) {}
    }
    for (int index = 0; index < trace->link_count; index++) bpf_link__destroy(trace->links[index]);
    if (trace->exit_fd >= 0) close(trace->exit_fd);
    ring_buffer__free(trace->ring);
    bpf_object__close(trace->object);
    free(trace);
}
