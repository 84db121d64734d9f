// See include/CEBPF.h.
#ifndef _GNU_SOURCE
#error "CEBPF needs _GNU_SOURCE (Package.swift's cSettings)"
#endif

#include "CEBPF.h"
#include "CPtrace.h"
#include "btf_cache.h"
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
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_LINKS = 8, MAX_OBJECTS = 2 };


/// Records taken out of the ring buffer (see drain), waiting for cebpf_poll to hand them on: each a 32-bit
/// size, then the record, padded to 8 bytes.
struct batch {
    struct batch *next;
    size_t used;
    size_t capacity;
    unsigned char bytes[];
};

struct cebpf_trace {
    /// The program's copies, each loading some of its programs (see load).
    struct bpf_object *objects[MAX_OBJECTS];
    int object_count;
    /// Each copy's links to its programs' attach points (each copy attaches its own, as soon as it is loaded).
    struct bpf_link *links[MAX_OBJECTS][MAX_LINKS];
    int link_count[MAX_OBJECTS];
    struct ring_buffer *ring;
    int followed_fd;
    /// The scratch space (one value per CPU, its counters at the end), mapped read-only by cebpf_counters.
    int scratch_fd;
    /// The drainer (see drain) and what it shares with cebpf_poll: `lock` guards the ring buffer's consumer side
    /// and the batches; `first` and `last` are the batches taken out, in order. `wakes` is an epoll descriptor
    /// that is ready when the program wakes the reader (edge-triggered: not whenever a record is waiting), or
    /// when `stop` (an eventfd) is written.
    pthread_t drainer;
    bool draining;
    /// The drainer has been told to stop (cebpf_stop_draining).
    bool stopping;
    /// Who still holds the trace: its caller until cebpf_close, and the drainer until it stops (see release).
    atomic_int holders;
    int wakes;
    int stop;
    pthread_mutex_t lock;
    struct batch *first;
    struct batch *last;
    /// The guard process (see start_guard), the socket whose end tells it the tracer is gone, and its stack.
    pid_t guard;
    int guard_socket;
    cptrace_region guard_memory;
    /// A pidfd of the process whose exit ends a wait in cebpf_poll (cebpf_wake_on_exit); -1: none.
    int exit_fd;
};

// The guard process (see "The guard" below), made while the program loads.
static int start_guard(struct cebpf_trace *trace);
static void end_guard(struct cebpf_trace *trace);

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
    // What fitted: a longer message (a failed program's whole verifier log, in one) is cut at the buffer's end.
    if (length >= (int)sizeof(line)) length = (int)sizeof(line) - 1;
    // Keep the last non-empty message without its newline (libbpf says why a load failed last).
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

// MARK: - Draining the ring buffer
//
// The ring buffer is what carries a burst of records while nothing reads them, and the kernel allocates,
// zeroes and maps every page of it at each trace's start: the smaller, the faster a trace starts. A drainer
// thread takes the records out as soon as the program says the buffer is filling up (see emit in
// iotrace.bpf.c), a copy at memory speed into batches of this process's own memory, however long the handler
// (Swift, a debug build's too) then takes with them. cebpf_poll takes whatever is waiting, from the ring and
// the batches, every few milliseconds.

enum { BATCH_BYTES = 256 * 1024 };

/// ring_buffer's callback, under the trace's lock: appends the record to the last batch, or to a new one.
static int keep_record(void *context, void *data, size_t size) {
    struct cebpf_trace *trace = context;
    size_t needed = (sizeof(uint32_t) + size + 7) & ~(size_t)7;
    struct batch *last = trace->last;
    if (!last || last->capacity - last->used < needed) {
        size_t capacity = needed > BATCH_BYTES ? needed : BATCH_BYTES;
        struct batch *batch = malloc(sizeof(*batch) + capacity);
        // Out of memory: a non-zero return leaves the record in the ring, for the next try.
        if (!batch) return -ENOMEM;
        *batch = (struct batch){.capacity = capacity};
        if (last) last->next = batch;
        else trace->first = batch;
        trace->last = last = batch;
    }
    uint32_t length = (uint32_t)size;
    memcpy(last->bytes + last->used, &length, sizeof(length));
    memcpy(last->bytes + last->used + sizeof(length), data, size);
    last->used += needed;
    return 0;
}

/// Takes every record waiting in the ring buffer into the batches. Under the trace's lock.
static int take_records(struct cebpf_trace *trace) {
    int taken = ring_buffer__consume(trace->ring);
    return taken < 0 ? taken : 0;
}

/// Puts `batches` (a chain) back in front of the waiting ones: records a stopped poll did not hand on.
static void put_back(struct cebpf_trace *trace, struct batch *batches) {
    struct batch *tail = batches;
    while (tail->next) tail = tail->next;
    pthread_mutex_lock(&trace->lock);
    tail->next = trace->first;
    if (!trace->first) trace->last = tail;
    trace->first = batches;
    pthread_mutex_unlock(&trace->lock);
}

static void release(struct cebpf_trace *trace);

/// The drainer thread: waits for the program's wake-ups (a quarter of the buffer waiting) and takes the
/// records out at once, until `stop` is written; then lets go of the trace (release).
static void *drain(void *argument) {
    struct cebpf_trace *trace = argument;
    // The tracer's signals (a terminal's ^C, forwarded to the command) are for the thread that polls.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    while (true) {
        struct epoll_event events[2];
        int ready = epoll_wait(trace->wakes, events, 2, -1);
        if (ready < 0 && errno != EINTR) break;
        bool stopped = false;
        for (int index = 0; index < ready; index++) stopped |= events[index].data.fd == trace->stop;
        if (stopped) break;
        pthread_mutex_lock(&trace->lock);
        take_records(trace);
        pthread_mutex_unlock(&trace->lock);
    }
    release(trace);
    return NULL;
}

/// Starts the drainer. Without it (no thread to be had), cebpf_poll also waits for the buffer to fill up, and
/// the records are taken out only as fast as its handler handles them. 0 or -errno.
static int start_drainer(struct cebpf_trace *trace) {
    int ring_fd = bpf_object__find_map_fd_by_name(trace->objects[0], "events");
    trace->wakes = epoll_create1(EPOLL_CLOEXEC);
    trace->stop = eventfd(0, EFD_CLOEXEC);
    if (ring_fd < 0 || trace->wakes < 0 || trace->stop < 0) return ring_fd < 0 ? -ENOENT : -errno;
    struct epoll_event ring = {.events = EPOLLIN | EPOLLET, .data.fd = ring_fd};
    struct epoll_event stop = {.events = EPOLLIN, .data.fd = trace->stop};
    if (epoll_ctl(trace->wakes, EPOLL_CTL_ADD, ring_fd, &ring) != 0
        || epoll_ctl(trace->wakes, EPOLL_CTL_ADD, trace->stop, &stop) != 0) {
        return -errno;
    }
    // Detached: nothing waits for it (see cebpf_close).
    pthread_attr_t attributes;
    int error = pthread_attr_init(&attributes);
    if (error) return -error;
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    atomic_store(&trace->holders, 2);
    error = pthread_create(&trace->drainer, &attributes, drain, trace);
    pthread_attr_destroy(&attributes);
    trace->draining = error == 0;
    if (error) atomic_store(&trace->holders, 1);
    return -error;
}

/// Frees what the drainer uses: the batches, the ring buffer (its memory unmapped) and its descriptors.
static void free_drained(struct cebpf_trace *trace) {
    while (trace->first) {
        struct batch *next = trace->first->next;
        free(trace->first);
        trace->first = next;
    }
    trace->last = NULL;
    ring_buffer__free(trace->ring);
    trace->ring = NULL;
    if (trace->wakes >= 0) close(trace->wakes);
    if (trace->stop >= 0) close(trace->stop);
    trace->wakes = trace->stop = -1;
}

/// Lets go of the trace; the last holder frees what is left of it. cebpf_close does not wait for the drainer to
/// stop: a thread woken on an idle CPU of a virtual machine takes up to a millisecond to run (0.4 ms, medians of
/// 30, at every trace's end here), and the drainer then also unmaps the ring buffer, off the caller's path.
static void release(struct cebpf_trace *trace) {
    if (atomic_fetch_sub(&trace->holders, 1) != 1) return;
    free_drained(trace);
    pthread_mutex_destroy(&trace->lock);
    free(trace);
}

/// The program's hash maps allocate their elements as they go (BPF_F_NO_PREALLOC), not all of them at every
/// start, where the kernel has its BPF memory allocator (6.1 and later). Before it, a tracing program with such
/// a map puts a warning in the kernel's log: there, they are preallocated.
static bool has_memory_allocator(void) {
    struct utsname name;
    unsigned major = 0, minor = 0;
    if (uname(&name) != 0 || sscanf(name.release, "%u.%u", &major, &minor) != 2) return false;
    return major > 6 || (major == 6 && minor >= 1);
}

// MARK: - Loading, on every CPU there is
//
// A trace's start is mostly the kernel's work: the verifier checks each program (a few milliseconds, single-
// threaded), and the maps are allocated (the ring buffer's pages zeroed). Where the tracer may run on two
// CPUs, the object is opened twice (two copies), the programs are shared out between the copies, and both
// take one set of maps, made up front. A helper thread cuts the kernel's BTF (kernel_btf.c) while the maps
// are made; then each thread loads its copy's programs (see load).

struct cebpf_settings cebpf_settings_make(uint32_t ring_bytes, uint32_t environment) {
    struct cebpf_settings settings;
    memset(&settings, 0, sizeof(settings));
    settings.ring_bytes = ring_bytes;
    settings.constants.read_environment = environment ? 1 : 0;
    return settings;
}

void cebpf_settings_add_root(struct cebpf_settings *settings, const uint8_t *root, size_t length) {
    struct cebpf_constants *constants = &settings->constants;
    if (settings->roots_off || length < 2 || length >= CEBPF_ROOT_BYTES || root[0] != '/' ||
        constants->root_count == CEBPF_MAX_ROOTS || memchr(root, 0, length)) {
        settings->roots_off = 1;
        constants->root_count = 0;
        return;
    }
    memcpy(constants->roots[constants->root_count], root, length);
    constants->roots[constants->root_count][length] = 0;
    constants->root_lengths[constants->root_count++] = (uint32_t)length;
}

/// The program's settings that are constants to the verifier (iotrace.bpf.c's .rodata, one struct
/// cebpf_constants): it leaves out the code they turn off. 0 or an errno.
static int set_constants(struct bpf_object *copy, struct cebpf_settings settings) {
    struct bpf_map *map;
    bpf_object__for_each_map(map, copy) {
        const char *name = bpf_map__name(map);
        size_t length = strlen(name);
        if (!bpf_map__is_internal(map) || length < 7 || strcmp(name + length - 7, ".rodata") != 0) continue;
        size_t size = 0;
        bpf_map__initial_value(map, &size);
        if (size != sizeof(settings.constants)) return EPROTO;
        return -bpf_map__set_initial_value(map, &settings.constants, sizeof(settings.constants));
    }
    return ENOENT;
}

/// Opens a copy of the object with `kernel_btf` (a path; NULL: the kernel's whole BTF) as the BTF its CO-RE
/// relocations are made against, sizes its maps and sets its constants. 0, or -errno with the reason written.
static int open_object(struct bpf_object **out, const void *object, size_t size, struct cebpf_settings settings,
                       const char *kernel_btf, char *reason, size_t reason_capacity) {
    LIBBPF_OPTS(bpf_object_open_opts, options, .object_name = "iotrace", .btf_custom_path = kernel_btf);
    *out = bpf_object__open_mem(object, size, &options);
    if (!*out) {
        int error = errno;
        describe(reason, reason_capacity, "opening the eBPF program", error);
        return -error;
    }
    int error;
    struct bpf_map *events = bpf_object__find_map_by_name(*out, "events");
    if (!events || (error = -bpf_map__set_max_entries(events, settings.ring_bytes)) != 0) {
        if (!events) error = ENOENT;
        describe(reason, reason_capacity, "sizing the ring buffer", error);
        return -error;
    }
    struct bpf_map *scratch = bpf_object__find_map_by_name(*out, "scratch_space");
    int cpus = libbpf_num_possible_cpus();
    if (!scratch || cpus <= 0 || (error = -bpf_map__set_max_entries(scratch, (uint32_t)cpus)) != 0) {
        if (!scratch || cpus <= 0) error = cpus < 0 ? -cpus : ENOENT;
        describe(reason, reason_capacity, "sizing the scratch space", error);
        return -error;
    }
    if ((error = set_constants(*out, settings)) != 0) {
        describe(reason, reason_capacity, "setting the eBPF program's constants", error);
        return -error;
    }
    if (!has_memory_allocator()) {
        struct bpf_map *map;
        bpf_object__for_each_map(map, *out) {
            __u32 flags = bpf_map__map_flags(map);
            if (flags & BPF_F_NO_PREALLOC) bpf_map__set_map_flags(map, flags & ~(__u32)BPF_F_NO_PREALLOC);
        }
    }
    return 0;
}

/// The maps only the loading thread's programs use, not the helper's (iotrace_finish): made after those the
/// helper needs, so that its load, the start's longest step, does not wait for them (the followed map's buckets
/// take 0.22 ms to make). A helper's program that used one would not load (libbpf: the map is not created).
static bool made_late(const struct bpf_map *map) {
    const char *name = bpf_map__name(map);
    return strcmp(name, "followed") == 0 || strcmp(name, "finish_programs") == 0;
}

/// Makes the maps of `object` (those made late, or the others) as libbpf would (none of them needs BTF), for
/// every copy to reuse. 0 or -errno.
static int make_maps(struct bpf_object *object, bool late) {
    struct bpf_map *map;
    bpf_object__for_each_map(map, object) {
        if (bpf_map__is_internal(map) || made_late(map) != late) continue;
        LIBBPF_OPTS(bpf_map_create_opts, options, .map_flags = bpf_map__map_flags(map),
                    .map_extra = bpf_map__map_extra(map), .numa_node = bpf_map__numa_node(map));
        int fd = bpf_map_create(bpf_map__type(map), bpf_map__name(map), bpf_map__key_size(map),
                                bpf_map__value_size(map), bpf_map__max_entries(map), &options);
        if (fd < 0) return -errno;
        int error = bpf_map__reuse_fd(map, fd);
        close(fd);
        if (error) return error;
    }
    return 0;
}

/// The maps made late are not the helper's copy's: not made when it loads either.
static void skip_late_maps(struct bpf_object *copy) {
    struct bpf_map *map;
    bpf_object__for_each_map(map, copy) {
        if (made_late(map)) bpf_map__set_autocreate(map, false);
    }
}

/// Gives `copy` the maps `original` has made (make_maps), but for those made late, which `original` has not.
/// 0 or -errno.
static int share_maps(struct bpf_object *original, struct bpf_object *copy) {
    struct bpf_map *map;
    bpf_object__for_each_map(map, copy) {
        if (bpf_map__is_internal(map) || made_late(map)) continue;
        struct bpf_map *made = bpf_object__find_map_by_name(original, bpf_map__name(map));
        if (!made) return -ENOENT;
        int error = bpf_map__reuse_fd(map, bpf_map__fd(made));
        if (error) return error;
    }
    return 0;
}

/// Marks the programs copy `index` of `count` loads (the others' autoload is off). With two copies, the
/// helper's (the last) loads the largest program alone and this thread's everything else: the helper's path (the
/// BTF cut, then its load) is the longer one, and this thread, which makes the maps, the guard and the command's
/// process meanwhile, waits for it either way (balanced by instruction count, the helper also took `fork`: the
/// command followed 5.88 -> 5.61 ms after the start of cebpf_open, medians of 30, this change alone). Every
/// copy is the same object, so each copy's share is worked out on its own and the shares never overlap.
static void share_programs(struct bpf_object *copy, int index, int count) {
    struct bpf_program *program, *largest = NULL;
    bpf_object__for_each_program(program, copy) {
        if (!largest || bpf_program__insn_cnt(program) > bpf_program__insn_cnt(largest)) largest = program;
    }
    bpf_object__for_each_program(program, copy) {
        bool mine = count == 1 || (program == largest) == (index == count - 1);
        bpf_program__set_autoload(program, mine);
    }
}

/// Where the helper thread starts: a CPU this process may run on other than the current one, in `theirs`,
/// and the process's whole mask in `all`. False where there is no other CPU.
///
/// A new thread is otherwise often queued on the CPU that made it, and moved to an idle one only at the next
/// balancing tick (up to 4 ms, as long as the whole start takes here). So the helper is made on the other
/// CPU, and lets itself run anywhere again as soon as it runs (a busy machine may need it elsewhere).
struct placement {
    cpu_set_t all;
    cpu_set_t theirs;
};

static bool place(struct placement *placement) {
    if (sched_getaffinity(0, sizeof(placement->all), &placement->all) != 0) return false;
    int mine = sched_getcpu();
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (cpu != mine && CPU_ISSET(cpu, &placement->all)) {
            CPU_ZERO(&placement->theirs);
            CPU_SET(cpu, &placement->theirs);
            return true;
        }
    }
    return false;
}

/// A load begun (cebpf_begin, or cebpf_open itself): what the loading thread and its helper share (see load).
/// Each step's state is 0 until it is done, then 1, or -errno when it failed.
struct cebpf_start {
    const void *object;
    size_t size;
    /// The ring buffer's size the helper makes it with: cebpf_open's settings must agree.
    uint32_t ring_bytes;
    /// The kernel's BTF cut down (see kernel_btf.h): a memfd, and the path libbpf is given to read it. `cached`:
    /// read from the cache (btf_cache.h), not cut by this load.
    int btf_fd;
    char kernel_btf[64];
    struct cebpf_btf_cache cache;
    bool cached;
    /// The helper thread, when there is one (`helping`), and the CPUs it may run on once started (see place).
    bool helping;
    pthread_t helper;
    cpu_set_t cpus;
    /// The helper's copy of the object (copy 1), opened by it.
    struct bpf_object *copy;
    /// The kernel's BTF as the cut read it, for the loading thread to let go of while the helper loads.
    struct cebpf_kernel_btf_data kernel_btf_read;
    /// Set by the loading thread before `go`: the trace the helper's copy joins, and its settings.
    struct cebpf_trace *trace;
    struct cebpf_settings settings;
    atomic_int cut;
    atomic_int maps;
    /// The loading thread's errand is done (nothing forks from now on) and `trace` and `settings` are set: the
    /// helper may load.
    atomic_int go;
    atomic_int helped;
    /// The helper's reason when a step failed (libbpf's last line on its thread included).
    char reason[256];
};

/// Waits for `step` to be done or failed, and returns its state. These waits are short: spinning (yielding to
/// whoever shares the CPU) rather than sleeping, which on a virtual machine's idle CPU can take a millisecond
/// to be woken from.
static int await(atomic_int *step) {
    int state;
    while ((state = atomic_load(step)) == 0) sched_yield();
    return state;
}

/// Held for reading by every load in this process, for writing by every caller's errand (the command's spawn):
/// libbpf opens the cut BTF by its path without O_CLOEXEC while it loads, and a process forked then carries that
/// descriptor through its exec into the command. Within one trace the errand comes before either thread loads;
/// with two traces in one process (the library's callers), one trace's spawn waits for the other's loads.
static pthread_rwlock_t loading = PTHREAD_RWLOCK_INITIALIZER;

/// Loads `copy`'s share of the programs; 0 or -errno, with libbpf's last line in this thread's last_message.
static int loaded(struct bpf_object *copy) {
    last_message[0] = 0;
    pthread_rwlock_rdlock(&loading);
    int error = bpf_object__load(copy);
    pthread_rwlock_unlock(&loading);
    return error;
}

/// Attaches `copy`'s programs that have an attach point, as soon as it is loaded (the other copy may still be
/// in the verifier): until a process is followed, they only cost every syscall its lookups. 0 or -errno, with
/// libbpf's last line in this thread's last_message.
static int attach_copy(struct cebpf_trace *trace, int copy) {
    struct bpf_program *program;
    bpf_object__for_each_program(program, trace->objects[copy]) {
        // Not this copy's, or a tail call's (a section without an attach point: "raw_tracepoint").
        if (!bpf_program__autoload(program) || !strchr(bpf_program__section_name(program), '/')) continue;
        if (trace->link_count[copy] == MAX_LINKS) return -E2BIG;
        bool optional = strcmp(bpf_program__name(program), "iotrace_prepare_exec") == 0;
        // IOTRACE_BPF_NO_PREPARE_EXEC=1 leaves it out, as a kernel before 6.10 does: for the tests.
        const char *without = optional ? getenv("IOTRACE_BPF_NO_PREPARE_EXEC") : NULL;
        if (without && strcmp(without, "1") == 0) continue;
        struct bpf_link *link = bpf_program__attach(program);
        // A kernel without the tracepoint (before 6.10): the exec records alone tell the execs.
        if (!link && optional && errno == ENOENT) continue;
        if (!link) return -errno;
        trace->links[copy][trace->link_count[copy]++] = link;
    }
    return 0;
}

/// Every link of every copy, detached (unless a guard still holds a copy of it) and freed.
static void detach(struct cebpf_trace *trace) {
    for (int copy = 0; copy < MAX_OBJECTS; copy++) {
        for (int index = 0; index < trace->link_count[copy]; index++) bpf_link__destroy(trace->links[copy][index]);
        trace->link_count[copy] = 0;
    }
}

/// The helper: opens copy 1, cuts the kernel's BTF down to what it needs and makes the maps its programs use,
/// all before the trace's settings are known (cebpf_begin starts it while the caller is still setting up); then,
/// once the loading thread says go, sets the copy's constants and loads and attaches its share of the programs.
static void *help(void *argument) {
    struct cebpf_start *start = argument;
    sched_setaffinity(0, sizeof(start->cpus), &start->cpus);
    cebpf_btf_cache_locate(&start->cache, start->object, start->size);
    start->cached = cebpf_btf_cache_read(&start->cache, start->btf_fd) == 0;
    struct cebpf_settings sizes = cebpf_settings_make(start->ring_bytes, 0);
    int error = open_object(&start->copy, start->object, start->size, sizes, start->kernel_btf, start->reason,
                            sizeof(start->reason));
    if (!error && !start->cached) {
        error = cebpf_cut_kernel_btf(bpf_object__btf(start->copy), start->btf_fd, &start->kernel_btf_read);
        if (error) describe(start->reason, sizeof(start->reason), "cutting the kernel's BTF down", -error);
    }
    atomic_store(&start->cut, error ? error : 1);
    if (!error && (error = make_maps(start->copy, false)) != 0) {
        describe(start->reason, sizeof(start->reason), "making the eBPF program's maps", -error);
    }
    atomic_store(&start->maps, error ? error : 1);
    if (error || (error = await(&start->go)) < 0) goto done;
    if ((error = set_constants(start->copy, start->settings)) != 0) {
        describe(start->reason, sizeof(start->reason), "setting the eBPF program's constants", error);
        error = -error;
        goto done;
    }
    skip_late_maps(start->copy);
    share_programs(start->copy, 1, 2);
    if ((error = loaded(start->copy)) != 0) {
        describe(start->reason, sizeof(start->reason), "loading the eBPF program", -error);
    } else if ((error = attach_copy(start->trace, 1)) != 0) {
        describe(start->reason, sizeof(start->reason), "attaching the eBPF program", -error);
    }
done:
    atomic_store(&start->helped, error ? (error < 0 ? error : -error) : 1);
    return NULL;
}

/// Begins a load: the kernel's BTF's memfd, and the helper thread on another CPU where there is one. NULL when
/// not even the memfd could be made (the load then reads the whole BTF).
static struct cebpf_start *begin(const void *object, size_t size, uint32_t ring_bytes) {
    struct cebpf_start *start = calloc(1, sizeof(*start));
    if (!start) return NULL;
    *start = (struct cebpf_start){.object = object, .size = size, .ring_bytes = ring_bytes,
                                  .btf_fd = memfd_create("iotrace-kernel-btf", MFD_CLOEXEC)};
    if (start->btf_fd < 0) {
        free(start);
        return NULL;
    }
    snprintf(start->kernel_btf, sizeof(start->kernel_btf), "/proc/self/fd/%d", start->btf_fd);
    struct placement placement;
    pthread_attr_t attributes;
    if (place(&placement) && pthread_attr_init(&attributes) == 0) {
        start->cpus = placement.all;
        start->helping = pthread_attr_setaffinity_np(&attributes, sizeof(placement.theirs), &placement.theirs) == 0
            && pthread_create(&start->helper, &attributes, help, start) == 0;
        pthread_attr_destroy(&attributes);
    }
    return start;
}

/// Ends a begun load: the helper told to stop if it is waiting to go (`stop`, a -errno; 0: it has been told),
/// joined, its copy closed unless a trace took it, the BTF the cut read let go of.
static void end(struct cebpf_start *start, int stop) {
    if (!start) return;
    if (start->helping) {
        if (stop) atomic_store(&start->go, stop);
        pthread_join(start->helper, NULL);
    }
    if (start->copy && (!start->trace || start->trace->objects[1] != start->copy)) bpf_object__close(start->copy);
    cebpf_release_kernel_btf(&start->kernel_btf_read);
    close(start->btf_fd);
    free(start);
}

/// Writes the rows that have a kind (`rows[i]` for key i) into the map at `rows_fd`: in one batch (Linux 5.6
/// and later), else one by one. 0 or -errno.
static int fill_rows(int rows_fd, const struct cebpf_row *rows, size_t row_count) {
    uint32_t *keys = calloc(row_count, sizeof(*keys));
    struct cebpf_row *values = calloc(row_count, sizeof(*values));
    uint32_t count = 0;
    int error = keys && values ? 0 : -ENOMEM;
    for (uint32_t key = 0; !error && key < row_count; key++) {
        if (rows[key].kind == CEBPF_ROW_NONE) continue;
        keys[count] = key;
        values[count++] = rows[key];
    }
    uint32_t done = count;
    if (!error && bpf_map_update_batch(rows_fd, keys, values, &done, NULL) != 0) {
        for (uint32_t index = 0; index < count && !error; index++) {
            if (bpf_map_update_elem(rows_fd, &keys[index], &values[index], BPF_ANY) != 0) error = -errno;
        }
    }
    free(keys);
    free(values);
    return error;
}

/// Fills the syscall rows (`rows[i]` for key i) and maps the ring buffer: the maps are made by now, and this
/// needs no program. 0, or -errno with the reason written.
static int fill_maps(struct cebpf_trace *trace, const struct cebpf_row *rows, size_t row_count, char *reason,
                     size_t reason_capacity) {
    struct bpf_object *made = trace->objects[0];
    int rows_fd = bpf_object__find_map_fd_by_name(made, "rows");
    trace->followed_fd = bpf_object__find_map_fd_by_name(made, "followed");
    trace->scratch_fd = bpf_object__find_map_fd_by_name(made, "scratch_space");
    if (rows_fd < 0 || trace->followed_fd < 0 || trace->scratch_fd < 0) {
        describe(reason, reason_capacity, "finding the program's maps", ENOENT);
        return -ENOENT;
    }
    int error = fill_rows(rows_fd, rows, row_count);
    if (error) {
        describe(reason, reason_capacity, "filling the syscall rows", -error);
        return error;
    }
    trace->ring = ring_buffer__new(bpf_object__find_map_fd_by_name(made, "events"), keep_record, trace, NULL);
    if (!trace->ring) {
        error = errno;
        describe(reason, reason_capacity, "opening the ring buffer", error);
        return -error;
    }
    return 0;
}

/// The programs other programs hand calls to (bpf_tail_call): the program each slot of a program array holds
/// (iotrace.bpf.c's finish_programs). They have no attach point of their own.
static const struct {
    const char *map;
    uint32_t slot;
    const char *program;
} tail_calls[] = {
    {"finish_programs", 0, "iotrace_finish"},
};

/// Puts each tail call's program, from whichever copy loaded it, in its slot. 0, or -errno with the reason.
static int fill_tail_calls(struct cebpf_trace *trace, char *reason, size_t reason_capacity) {
    for (size_t index = 0; index < sizeof(tail_calls) / sizeof(tail_calls[0]); index++) {
        int map = bpf_object__find_map_fd_by_name(trace->objects[0], tail_calls[index].map);
        int program = -1;
        for (int copy = 0; copy < trace->object_count && program < 0; copy++) {
            struct bpf_program *found = bpf_object__find_program_by_name(trace->objects[copy],
                                                                         tail_calls[index].program);
            if (found && bpf_program__autoload(found)) program = bpf_program__fd(found);
        }
        if (map < 0 || program < 0) {
            describe(reason, reason_capacity, "finding the eBPF program's tail calls", ENOENT);
            return -ENOENT;
        }
        if (bpf_map_update_elem(map, &tail_calls[index].slot, &program, BPF_ANY) != 0) {
            int error = errno;
            describe(reason, reason_capacity, "filling the eBPF program's tail calls", error);
            return -error;
        }
    }
    return 0;
}

/// The caller's work for the loading thread's idle moment (see cebpf_meanwhile), done at most once.
struct errand {
    cebpf_meanwhile run;
    void *context;
    bool done;
};

static void run_errand(struct errand *errand) {
    if (errand->run && !errand->done) {
        errand->done = true;
        pthread_rwlock_wrlock(&loading);
        errand->run(errand->context);
        pthread_rwlock_unlock(&loading);
    }
}

/// Opens, shares out, loads and attaches the program's copies into `trace`, relocated against the kernel's BTF
/// cut down (`start`: a load begun) or whole (`start` NULL), and fills its maps. 0, -ECANCELED when the cut
/// could not be made (the caller loads against the whole BTF), or -errno with the reason written.
///
/// With two CPUs, the helper thread (begun with `start`, maybe while the caller was still setting up) opens copy
/// 1, cuts the BTF and makes the maps its program uses; this one opens copy 0, runs the caller's errand and says
/// go, takes those maps and makes the others; then each loads its copy's share of the programs and attaches them,
/// and this one fills the maps, maps the ring buffer and makes the guard while the helper still loads.
/// Where there is one CPU (or no thread to be had), this thread does it all with one copy.
static int load(struct cebpf_trace *trace, const void *object, size_t size, struct cebpf_settings settings,
                struct cebpf_start *start, const struct cebpf_row *rows, size_t row_count, struct errand *errand,
                char *reason, size_t reason_capacity) {
    bool helping = start && start->helping;
    trace->object_count = helping ? 2 : 1;
    int error = open_object(&trace->objects[0], object, size, settings, start ? start->kernel_btf : NULL, reason,
                            reason_capacity);
    // The caller's errand (the command's process) before either thread loads, and while no other trace's load
    // runs (`loading`): libbpf opens the cut BTF by its path without O_CLOEXEC while it loads, and a process
    // forked then would carry that descriptor through its exec into the command (CLITests' "inherits no
    // descriptor" saw it). The guard, forked later, closes every descriptor but its own.
    if (!error) run_errand(errand);
    bool cut_failed = false;
    if (helping) {
        // The helper's copy is open once its cut is done (or failed).
        cut_failed = await(&start->cut) < 0;
        start->trace = trace;
        start->settings = settings;
        if (!cut_failed) trace->objects[1] = start->copy;
        atomic_store(&start->go, error ? error : cut_failed ? -ECANCELED : 1);
        if (!error && !cut_failed && await(&start->maps) < 0) {
            error = atomic_load(&start->maps);
            snprintf(reason, reason_capacity, "%s", start->reason);
        }
        if (!error && !cut_failed && (error = share_maps(start->copy, trace->objects[0])) != 0) {
            describe(reason, reason_capacity, "sharing the eBPF program's maps", -error);
        }
    } else {
        if (start && !error) {
            cebpf_btf_cache_locate(&start->cache, object, size);
            start->cached = cebpf_btf_cache_read(&start->cache, start->btf_fd) == 0;
            int cut_error = start->cached ? 0 : cebpf_cut_kernel_btf(bpf_object__btf(trace->objects[0]),
                                                                     start->btf_fd, NULL);
            atomic_store(&start->cut, cut_error ? cut_error : 1);
            cut_failed = cut_error != 0;
        }
        if (!error && !cut_failed && (error = make_maps(trace->objects[0], false)) != 0) {
            describe(reason, reason_capacity, "making the eBPF program's maps", -error);
        }
    }
    if (!error && !cut_failed && (error = make_maps(trace->objects[0], true)) != 0) {
        describe(reason, reason_capacity, "making the eBPF program's maps", -error);
    }
    if (!error && !cut_failed) {
        share_programs(trace->objects[0], 0, trace->object_count);
        if ((error = loaded(trace->objects[0])) != 0) {
            describe(reason, reason_capacity, "loading the eBPF program", -error);
        } else if ((error = attach_copy(trace, 0)) != 0) {
            describe(reason, reason_capacity, "attaching the eBPF program", -error);
        }
    }
    // The rows filled, the ring buffer mapped and the guard made while the helper still loads, after this thread's
    // own load and attach, which so begin as early as they can: its attach's text pokes (rounds of IPIs) then
    // fall earlier in the helper's load, which they slow less (helper's load 3.46 -> 2.84 ms, stamps, 30 runs).
    // Nothing is followed yet: until the command is, the programs attached find no row filled.
    if (!error && !cut_failed) error = fill_maps(trace, rows, row_count, reason, reason_capacity);
    if (!error && !cut_failed && trace->guard_socket < 0 && (error = start_guard(trace)) != 0) {
        describe(reason, reason_capacity, "starting the guard process", -error);
    }
    // The kernel's BTF the cut read is let go of here, while the helper still loads (else once it has stopped),
    // and a cut just made is kept for the next trace.
    if (helping && !cut_failed) cebpf_release_kernel_btf(&start->kernel_btf_read);
    if (start && !cut_failed && !start->cached) cebpf_btf_cache_store(&start->cache, start->btf_fd);
    if (helping && !cut_failed && await(&start->helped) < 0 && !error) {
        error = atomic_load(&start->helped);
        snprintf(reason, reason_capacity, "%s", start->reason);
    }
    // A load that failed with the cut (the whole BTF is tried next): its cache entry goes too.
    if (error && start && !cut_failed) cebpf_btf_cache_forget(&start->cache);
    end(start, 0);
    if (!error && cut_failed) error = -ECANCELED;
    if (!error) error = fill_tail_calls(trace, reason, reason_capacity);
    return error;
}

/// Detaches and closes the program's copies. The ring buffer and the batches go too, unless the drainer is
/// running (release frees them then): the ring buffer's memory stays mapped while it is, whatever is closed.
static void unload(struct cebpf_trace *trace) {
    detach(trace);
    if (!trace->draining) free_drained(trace);
    for (int copy = 0; copy < trace->object_count; copy++) bpf_object__close(trace->objects[copy]);
    memset(trace->objects, 0, sizeof(trace->objects));
    trace->object_count = 0;
}

/// The BTF cut down (the default), or whole: IOTRACE_BPF_WHOLE_BTF=1, to compare.
static bool cutting(void) {
    const char *whole = getenv("IOTRACE_BPF_WHOLE_BTF");
    return !(whole && strcmp(whole, "1") == 0);
}

cebpf_start *cebpf_begin(const void *object, size_t size, uint32_t ring_bytes) {
    char reason[256];
    libbpf_set_print(keep_last_message);
    if (!cutting() || cebpf_probe(reason, sizeof(reason)) != 0) return NULL;
    return begin(object, size, ring_bytes);
}

void cebpf_abandon(cebpf_start *start) { end(start, -ECANCELED); }

int cebpf_open(cebpf_start *begun, const void *object, size_t size, struct cebpf_settings settings,
               const struct cebpf_row *rows, size_t row_count, cebpf_meanwhile meanwhile, void *meanwhile_context,
               cebpf_trace **out, char *reason, size_t reason_capacity) {
    *out = NULL;
    last_message[0] = 0;
    libbpf_set_print(keep_last_message);
    // A load begun for another object or ring buffer size is of no use to this one.
    if (begun && (begun->object != object || begun->size != size || begun->ring_bytes != settings.ring_bytes)) {
        cebpf_abandon(begun);
        begun = NULL;
    }
    int error = cebpf_probe(reason, reason_capacity);
    if (error) {
        cebpf_abandon(begun);
        return error;
    }
    struct cebpf_trace *trace = calloc(1, sizeof(*trace));
    if (!trace) {
        cebpf_abandon(begun);
        return -ENOMEM;
    }
    trace->guard_socket = -1;
    trace->exit_fd = -1;
    trace->wakes = trace->stop = -1;
    atomic_store(&trace->holders, 1);
    pthread_mutex_init(&trace->lock, NULL);
    // The kernel's BTF cut down to what the program reads, by the load begun (or begun now).
    struct cebpf_start *start = begun ? begun : cutting() ? begin(object, size, settings.ring_bytes) : NULL;
    bool cut = start != NULL;
    struct errand errand = {.run = meanwhile, .context = meanwhile_context};
    error = load(trace, object, size, settings, start, rows, row_count, &errand, reason, reason_capacity);
    if (error && cut) {
        // Whatever the cut-down BTF lacked, the whole one has: load again against it, and report that load (a
        // guard of its own: this one holds the first load's followed map).
        end_guard(trace);
        unload(trace);
        last_message[0] = 0;
        error = load(trace, object, size, settings, NULL, rows, row_count, &errand, reason, reason_capacity);
    }
    if (error) {
        error = -error;
        goto fail;
    }
    // Best effort: without the drainer, records are still all read, only later (see start_drainer).
    start_drainer(trace);
    *out = trace;
    return 0;
fail:
    cebpf_close(trace);
    return -error;
}

// The guard: what PTRACE_O_EXITKILL is to the ptrace engine. A child of the tracer that blocks on a socket only
// the tracer writes to; when the tracer dies (even by SIGKILL) the socket ends, and the guard kills every process
// still in the followed map, again and again until the map is empty: the program, kept attached by the guard's
// copies of the links, goes on adding the children they fork meanwhile. After a normal end the map is empty and
// the guard exits at once.
//
// It is made during the load (start_guard, while the loading thread waits for its helper), before the programs
// are attached: cebpf_guard then arms it, sending it copies of the links over the socket. A tracer that dies
// before that has attached nothing that outlives it, and its command has not run (held before its exec, it
// exits unrun when its go pipe ends).
//
// It shares the tracer's memory (cptrace_clone_sharing: a fork would copy the page tables, and make every page
// the tracer then writes fault, while both loading threads write the most): it runs on a stack of its own, makes
// raw system calls only, and keeps every signal blocked (a terminal's ^C reaches the whole process group: the
// guard must outlive the tracer it guards). Its memory outlives a killed tracer: the guard holds it.
//
// The guard keeps only the descriptors it needs: its socket's end and the followed map. Another trace's
// descriptors (two traces at once in one process) would otherwise keep that trace's guard waiting, and the two
// guards, each holding the other's socket, would outlive their tracer forever with their programs attached.

/// What the guard is given, at the bottom of its region (its stack grows down from the top).
struct guard_start {
    int socket_fd;
    int followed_fd;
    /// The highest descriptor to close one by one where close_range(2) is missing (before Linux 5.9).
    long descriptor_limit;
};

enum { GUARD_BYTES = 64 * 1024 };

static CPTRACE_SHARING long guard_call(long number, long first, long second, long third) {
    return cptrace_raw_syscall(number, first, second, third, 0, 0);
}

/// Closes every descriptor from 3 on but `first` and `second`.
static CPTRACE_SHARING void keep_only(int first, int second, long limit) {
    int low = first < second ? first : second, high = first < second ? second : first;
    unsigned ranges[3][2] = {
        {3, (unsigned)low - 1}, {(unsigned)low + 1, (unsigned)high - 1}, {(unsigned)high + 1, ~0U}};
    for (int index = 0; index < 3; index++) {
        unsigned from = ranges[index][0], to = ranges[index][1];
        if (from > to || (index == 0 && low < 3)) continue;
        if (guard_call(SYS_close_range, from, to, 0) != 0) {
            for (unsigned fd = from; fd <= to && (long)fd < limit; fd++) guard_call(SYS_close, fd, 0, 0);
        }
    }
}

/// Receives the links cebpf_guard sends (they keep the programs attached while the guard kills), or nothing
/// when the tracer ended first.
static CPTRACE_SHARING void receive_links(int socket_fd) {
    char byte;
    char control[CMSG_SPACE(MAX_OBJECTS * MAX_LINKS * sizeof(int))];
    struct iovec data = {.iov_base = &byte, .iov_len = 1};
    struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof(control)};
    while (guard_call(SYS_recvmsg, socket_fd, (long)&message, 0) == -EINTR) {}
}

/// bpf(BPF_MAP_GET_NEXT_KEY): the followed map's first pid (`key` NULL) or the one after `key`. 0 or -errno.
static CPTRACE_SHARING long next_followed(int followed_fd, const uint32_t *key, uint32_t *next) {
    union bpf_attr attributes;
    // Zeroed whole: the kernel refuses an attribute with anything past the fields a command reads.
    __builtin_memset(&attributes, 0, sizeof(attributes));
    attributes.map_fd = (uint32_t)followed_fd;
    attributes.key = (uint64_t)(uintptr_t)key;
    attributes.next_key = (uint64_t)(uintptr_t)next;
    return guard_call(SYS_bpf, BPF_MAP_GET_NEXT_KEY, (long)&attributes, sizeof(attributes));
}

static CPTRACE_SHARING int guard_run(void *argument) {
    const struct guard_start *start = argument;
    int socket_fd = start->socket_fd, followed_fd = start->followed_fd;
    keep_only(socket_fd, followed_fd, start->descriptor_limit);
    long null = guard_call(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDWR);
    if (null >= 0) {
        // Off the caller's stdin, stdout and stderr: one reading them to the end is not held by the guard.
        for (long fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
            if (fd != null) guard_call(SYS_dup3, null, fd, 0);
        }
        if (null > STDERR_FILENO) guard_call(SYS_close, null, 0, 0);
    }
    receive_links(socket_fd);
    char byte;
    while (guard_call(SYS_read, socket_fd, (long)&byte, 1) == -EINTR) {}
    for (int round = 0; round < 500; round++) {
        uint32_t key, next;
        bool found = false;
        bool more = next_followed(followed_fd, NULL, &next) == 0;
        while (more) {
            key = next;
            found = true;
            guard_call(SYS_kill, (pid_t)key, SIGKILL, 0);
            more = next_followed(followed_fd, &key, &next) == 0;
        }
        if (!found) break;
        struct timespec pause = {0, 10 * 1000 * 1000};
        guard_call(SYS_nanosleep, (long)&pause, 0, 0);
    }
    return 0;
}

/// Makes the guard (unarmed: see cebpf_guard). The followed map must exist. 0 or -errno.
static int start_guard(struct cebpf_trace *trace) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return -errno;
    cptrace_region region = cptrace_region_map(GUARD_BYTES);
    long limit = sysconf(_SC_OPEN_MAX);
    struct guard_start *start = region.base;
    pid_t guard = -ENOMEM;
    if (start) {
        *start = (struct guard_start){.socket_fd = fds[0], .followed_fd = trace->followed_fd,
                                      .descriptor_limit = limit > 0 && limit < 65536 ? limit : 65536};
        guard = cptrace_clone_sharing(guard_run, start, region);
    }
    close(fds[0]);
    if (guard < 0) {
        close(fds[1]);
        cptrace_region_unmap(region);
        return guard;
    }
    trace->guard = guard;
    trace->guard_socket = fds[1];
    trace->guard_memory = region;
    return 0;
}

/// Waits for a guard to exit, then lets go of its stack: it runs nothing in this memory any more.
static void reap_guard(pid_t guard, cptrace_region memory) {
    int status;
    while (waitpid(guard, &status, 0) < 0 && errno == EINTR) {}
    cptrace_region_unmap(memory);
}

// The guards cebpf_close left to end on their own (see cebpf_reap_guards_at_exit), reaped when the process exits.
enum { MAX_ENDING_GUARDS = 16 };
static pthread_mutex_t ending_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool reap_at_exit;
static int ending_count;
static struct {
    pid_t pid;
    cptrace_region memory;
} ending[MAX_ENDING_GUARDS];

static void reap_ending_guards(void) {
    pthread_mutex_lock(&ending_lock);
    for (int index = 0; index < ending_count; index++) reap_guard(ending[index].pid, ending[index].memory);
    ending_count = 0;
    pthread_mutex_unlock(&ending_lock);
}

void cebpf_reap_guards_at_exit(void) {
    if (!atomic_exchange(&reap_at_exit, true)) atexit(reap_ending_guards);
}

/// Ends the guard: its socket's end, then its exit once it has found the followed map empty (the last copies of
/// the links go with it: the kernel detaches the programs then). Reaped here, so that no copy of the links
/// outlives this; or, after cebpf_reap_guards_at_exit, when the process exits.
static void end_guard(struct cebpf_trace *trace) {
    if (trace->guard_socket < 0) return;
    close(trace->guard_socket);
    trace->guard_socket = -1;
    if (atomic_load(&reap_at_exit)) {
        pthread_mutex_lock(&ending_lock);
        bool kept = ending_count < MAX_ENDING_GUARDS;
        if (kept) ending[ending_count++] = (typeof(ending[0])){trace->guard, trace->guard_memory};
        pthread_mutex_unlock(&ending_lock);
        if (!kept) reap_guard(trace->guard, trace->guard_memory);
    } else {
        reap_guard(trace->guard, trace->guard_memory);
    }
    trace->guard_memory = (cptrace_region){NULL, 0};
}

int cebpf_guard(cebpf_trace *trace) {
    if (trace->guard_socket < 0) return -ECHILD;
    int links[MAX_OBJECTS * MAX_LINKS];
    int count = 0;
    for (int copy = 0; copy < MAX_OBJECTS; copy++) {
        for (int index = 0; index < trace->link_count[copy]; index++) {
            links[count++] = bpf_link__fd(trace->links[copy][index]);
        }
    }
    char byte = 'l';
    char control[CMSG_SPACE(MAX_OBJECTS * MAX_LINKS * sizeof(int))];
    memset(control, 0, sizeof(control));
    struct iovec data = {.iov_base = &byte, .iov_len = 1};
    struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = CMSG_SPACE((size_t)count * sizeof(int))};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN((size_t)count * sizeof(int));
    memcpy(CMSG_DATA(header), links, (size_t)count * sizeof(int));
    ssize_t sent;
    while ((sent = sendmsg(trace->guard_socket, &message, MSG_NOSIGNAL)) < 0 && errno == EINTR) {}
    return sent == 1 ? 0 : -(sent < 0 ? errno : EIO);
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

void cebpf_stop_draining(cebpf_trace *trace) {
    if (!trace->draining || trace->stopping) return;
    trace->stopping = true;
    uint64_t one = 1;
    while (write(trace->stop, &one, sizeof(one)) < 0 && errno == EINTR) {}
}

int cebpf_poll(cebpf_trace *trace, int timeout_ms, cebpf_handler handler, void *context) {
    // The program sends records without a wake-up (see emit in iotrace.bpf.c); the drainer takes them out when
    // the buffer fills up. Wait for the watched process's exit or the timeout (without a drainer, for the
    // buffer to fill up too); then take whatever is waiting either way.
    if (timeout_ms != 0) {
        struct pollfd waits[2];
        nfds_t count = 0;
        if (trace->exit_fd >= 0) waits[count++] = (struct pollfd){.fd = trace->exit_fd, .events = POLLIN};
        if (!trace->draining || trace->stopping) {
            waits[count++] = (struct pollfd){.fd = ring_buffer__epoll_fd(trace->ring), .events = POLLIN};
        }
        int ready = poll(waits, count, timeout_ms);
        if (ready < 0) return -errno;
        if (trace->exit_fd >= 0 && waits[0].revents) {
            // It has exited: readable from now on, it would end every later wait at once.
            close(trace->exit_fd);
            trace->exit_fd = -1;
        }
    }
    pthread_mutex_lock(&trace->lock);
    int error = take_records(trace);
    struct batch *batch = trace->first;
    trace->first = trace->last = NULL;
    pthread_mutex_unlock(&trace->lock);
    int handled = 0;
    bool stopped = false;
    while (batch && !stopped) {
        size_t at = 0;
        while (!stopped && at < batch->used) {
            uint32_t size;
            memcpy(&size, batch->bytes + at, sizeof(size));
            stopped = handler(context, batch->bytes + at + sizeof(size), size) != 0;
            handled++;
            at += (sizeof(size) + size + 7) & ~(size_t)7;
        }
        if (at < batch->used) {
            memmove(batch->bytes, batch->bytes + at, batch->used - at);
            batch->used -= at;
            break;
        }
        struct batch *next = batch->next;
        free(batch);
        batch = next;
    }
    // The handler stopped this poll: the records it did not see stay first in line for the next one.
    if (batch) put_back(trace, batch);
    return handled > 0 || error == 0 ? handled : error;
}

int cebpf_counters(cebpf_trace *trace, uint64_t *values) {
    // Each CPU's value of the scratch space ends with its counters (iotrace.bpf.c's struct scratch), read in
    // place: a lookup would copy each CPU's whole value (tens of KiB) to read 40 bytes of it.
    struct bpf_map *scratch = bpf_object__find_map_by_name(trace->objects[0], "scratch_space");
    if (!scratch) return -ENOENT;
    size_t stride = bpf_map__value_size(scratch), cpus = bpf_map__max_entries(scratch);
    if (stride % 8 != 0 || stride < CEBPF_COUNTERS * sizeof(uint64_t)) return -EPROTO;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), bytes = (stride * cpus + page - 1) / page * page;
    const unsigned char *values_at = mmap(NULL, bytes, PROT_READ, MAP_SHARED, trace->scratch_fd, 0);
    if (values_at == MAP_FAILED) return -errno;
    for (size_t key = 0; key < CEBPF_COUNTERS; key++) values[key] = 0;
    for (size_t cpu = 0; cpu < cpus; cpu++) {
        const uint64_t *counters = (const uint64_t *)(values_at + (cpu + 1) * stride) - CEBPF_COUNTERS;
        for (size_t key = 0; key < CEBPF_COUNTERS; key++) values[key] += counters[key];
    }
    munmap((void *)values_at, bytes);
    return 0;
}

void cebpf_close(cebpf_trace *trace) {
    if (!trace) return;
    // This process's links first: with the guard's copies the last ones, the kernel detaches the programs when
    // the guard exits. The followed map is empty at a normal end, so the guard exits as soon as its socket ends,
    // and its exit detaches them (in the guard, on another CPU) while this thread frees the rest; reaped before
    // returning, or at the process's exit (end_guard).
    detach(trace);
    if (trace->guard_socket >= 0) shutdown(trace->guard_socket, SHUT_RDWR);
    if (trace->exit_fd >= 0) close(trace->exit_fd);
    // Told to stop, if it has not been yet, and not waited for: it lets go of the trace when it does (release).
    cebpf_stop_draining(trace);
    unload(trace);
    end_guard(trace);
    release(trace);
}
