// See include/CEBPF.h.
#ifndef _GNU_SOURCE
#error "CEBPF needs _GNU_SOURCE (Package.swift's cSettings)"
#endif

#include "CEBPF.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
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

int cebpf_open(const void *object, size_t size, uint32_t ring_bytes, const struct cebpf_row *rows,
               size_t row_count, cebpf_trace **out, char *reason, size_t reason_capacity) {
    *out = NULL;
    last_message[0] = 0;
    libbpf_set_print(keep_last_message);
    int error = cebpf_probe(reason, reason_capacity);
    if (error) return error;
    struct cebpf_trace *trace = calloc(1, sizeof(*trace));
    if (!trace) return -ENOMEM;
    LIBBPF_OPTS(bpf_object_open_opts, options, .object_name = "iotrace");
    trace->object = bpf_object__open_mem(object, size, &options);
    if (!trace->object) {
        error = errno;
        describe(reason, reason_capacity, "opening the eBPF program", error);
        free(trace);
        return -error;
    }
    struct bpf_map *events = bpf_object__find_map_by_name(trace->object, "events");
    if (!events || (error = -bpf_map__set_max_entries(events, ring_bytes)) != 0) {
        if (!events) error = ENOENT;
        describe(reason, reason_capacity, "sizing the ring buffer", error);
        goto fail;
    }
    struct bpf_map *scratch = bpf_object__find_map_by_name(trace->object, "scratch_space");
    int cpus = libbpf_num_possible_cpus();
    if (!scratch || cpus <= 0 || (error = -bpf_map__set_max_entries(scratch, (uint32_t)cpus)) != 0) {
        if (!scratch || cpus <= 0) error = cpus < 0 ? -cpus : ENOENT;
        describe(reason, reason_capacity, "sizing the scratch space", error);
        goto fail;
    }
    if ((error = -bpf_object__load(trace->object)) != 0) {
        describe(reason, reason_capacity, "loading the eBPF program", error);
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
    trace->guard_pipe = -1;
    trace->ring = ring_buffer__new(bpf_map__fd(events), handle_record, trace, NULL);
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

int cebpf_poll(cebpf_trace *trace, int timeout_ms, cebpf_handler handler, void *context) {
    trace->handler = handler;
    trace->context = context;
    // ring_buffer__poll consumes only the rings whose epoll fired, and the program sends records without a
    // wake-up (see emit in iotrace.bpf.c): wait, then consume whatever is there either way.
    int polled = timeout_ms == 0 ? 0 : ring_buffer__poll(trace->ring, timeout_ms);
    int consumed = polled < 0 && polled != -EINTR ? 0 : ring_buffer__consume(trace->ring);
    int result = polled < 0 && polled != -EINTR ? polled : consumed < 0 ? consumed : (polled > 0 ? polled : 0) + consumed;
    trace->handler = NULL;
    trace->context = NULL;
    return result;
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
    ring_buffer__free(trace->ring);
    bpf_object__close(trace->object);
    free(trace);
}
