// The eBPF engine's program: follows the command's process tree from the scheduler's tracepoints and
// captures the syscall table's calls at raw_syscalls sys_exit, without stopping anything.
//
// A call is read whole at its exit (sys_exit), from the task's saved registers and memory; an exec, whose
// success replaces both, at the scheduler's sched_prepare_exec where the kernel has it.
//
// Compiled by `swift build` itself (Plugins/BPFCompiler: clang -target bpf) and embedded in the binary.
// CO-RE: the few kernel structures it reads are declared here by hand with preserve_access_index, and
// libbpf relocates each field against the running kernel's BTF (/sys/kernel/btf/vmlinux) at load time.
// Only raw tracepoints: they attach without tracefs, which a fresh machine does not mount.
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "../include/cebpf_events.h"

char LICENSE[] SEC("license") = "GPL";

// MARK: - Kernel structures (the fields read, nothing else)

// Relocated by CO-RE, and tagged for the loader: it cuts the kernel's BTF down to the structures so tagged
// (kernel_btf.c), and its walk of the kernel's types stops once it has found them all.
#define KERNEL_STRUCTURE __attribute__((preserve_access_index, btf_decl_tag("iotrace:kernel")))

struct qstr {
    union {
        struct {
            __u32 hash;
            __u32 len;
        };
        __u64 hash_len;
    };
    const unsigned char *name;
} KERNEL_STRUCTURE;

struct dentry {
    struct dentry *d_parent;
    struct qstr d_name;
} KERNEL_STRUCTURE;

struct vfsmount {
    struct dentry *mnt_root;
} KERNEL_STRUCTURE;

// fs/mount.h: a vfsmount is embedded in its struct mount.
struct mount {
    struct mount *mnt_parent;
    struct dentry *mnt_mountpoint;
    struct vfsmount mnt;
} KERNEL_STRUCTURE;

struct path {
    struct vfsmount *mnt;
    struct dentry *dentry;
} KERNEL_STRUCTURE;

struct fs_struct {
    struct path pwd;
} KERNEL_STRUCTURE;

struct inode {
    unsigned short i_mode;
} KERNEL_STRUCTURE;

struct file {
    struct path f_path;
    struct inode *f_inode;
} KERNEL_STRUCTURE;

struct fdtable {
    unsigned int max_fds;
    struct file **fd;
} KERNEL_STRUCTURE;

struct files_struct {
    struct fdtable *fdt;
    struct fdtable fdtab;
} KERNEL_STRUCTURE;

struct mm_struct {
    unsigned long arg_start;
    unsigned long arg_end;
    unsigned long env_start;
    unsigned long env_end;
} KERNEL_STRUCTURE;

struct thread_info {
    __u32 status;
} KERNEL_STRUCTURE;

struct task_struct {
    struct thread_info thread_info;
    int exit_code;
    int pid;
    int tgid;
    struct fs_struct *fs;
    struct files_struct *files;
    struct mm_struct *mm;
} KERNEL_STRUCTURE;

struct linux_binprm {
    const char *filename;
} KERNEL_STRUCTURE;

#if defined(__TARGET_ARCH_x86)
struct pt_regs {
    unsigned long bx, cx, dx, si, di, bp, r10, r8, r9, orig_ax;
} KERNEL_STRUCTURE;
// arch/x86/include/asm/thread_info.h: set while a 32-bit syscall runs (int $0x80, sysenter, compat).
#define TS_COMPAT 0x0002
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs {
    __u64 regs[31];
    __s32 syscallno;
} KERNEL_STRUCTURE;
#else
#error "iotrace.bpf.c: define __TARGET_ARCH_x86 or __TARGET_ARCH_arm64"
#endif

#define S_IFMT 00170000
#define S_IFDIR 0040000
#define AT_FDCWD -100

// MARK: - Constants

/// Set by the loader before the load (cebpf_settings): the verifier knows their values and leaves out the code
/// they turn off. The loader expects exactly this in .rodata.
const volatile struct cebpf_constants constants = {};

// MARK: - Maps

/// A followed process: its live threads. Userspace inserts the command's pid before it execs.
struct followed_process {
    __u32 threads;
};

// The followed map's size: processes followed at once. The kernel allocates and initialises a bucket per entry
// when the map is made (at every trace's start: 65,536 cost 0.6 ms), and every table call on the machine looks
// one up (fewer buckets stay in the cache). A full map is counted as a loss (the fork is not followed) and warned
// about like a full ring buffer.
#define MAX_PROCESSES 16384

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, MAX_PROCESSES);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u32);
    __type(value, struct followed_process);
} followed SEC(".maps");

/// The syscall table's rows, native ABI then compat ABI, filled by userspace.
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2 * CEBPF_ROWS_PER_ABI);
    __type(key, __u32);
    __type(value, struct cebpf_row);
} rows SEC(".maps");

/// The records, to userspace. Its size is set by the loader before load.
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 23);
} events SEC(".maps");

// A record is built here, then copied to the ring buffer at its real length. The data area is addressed
// through DATA_MASK, and every read into it is bounded, so the verifier can prove each access in bounds.
#define PATH_BYTES 4096
#define NAME_BYTES 256
#define DATA_MASK 0x7FFF
#define DATA_BYTES (DATA_MASK + 1 + CEBPF_ENVIRONMENT_BYTES)
/// A base directory longer than this is cut short (and flagged): deep trees exist, PATH_MAX is no bound.
#define BASE_LIMIT 8192
#define MAX_COMPONENTS 1024
#define FIXED_BYTES CEBPF_FIXED_BYTES

/// Bytes one probe read takes of a kernel object, to have fields that lie next to each other in one helper call
/// (see read_fields).
#define WINDOW_BYTES 32
/// Bytes a walk step reads of a dentry, from its d_parent on: its name (the qstr) and, after d_inode, the name
/// itself when it is short enough to be kept inside the dentry (d_shortname; DNAME_INLINE_LEN, 40 bytes on a
/// 64-bit kernel), so that most components cost one helper call.
#define DENTRY_WINDOW 72
#define INLINE_NAME_BYTES 40

/// The walk of a directory up to the root, one component per bpf_loop step. Kept in the map value, not on
/// the stack: the verifier then checks the step once, instead of once per offset it could reach. The mount the
/// walk is in is read once, when the walk enters it: its root, the mount above it and its mount point there.
struct walk {
    struct dentry *dentry;
    struct mount *mount;
    struct dentry *root;
    struct mount *above;
    struct dentry *mountpoint;
    __u32 offset;
    __u32 limit;
    __u32 truncated;
    __u32 reserved;
    /// What read_fields and walk_step read a kernel object into.
    __u64 window[DENTRY_WINDOW / 8];
};

/// What iotrace_finish is asked to do with the record begun in the scratch space, besides what the record's own
/// fields (a call's number and ABI: its row) tell it. Set by the program that tail-calls it.
struct finish {
    /// Count a path that cannot be read (an exec's entry does not: its exec record names the file again).
    __u32 count_unreadable;
    /// An EXEC record: its cwd goes at the end of the data, at `offset`.
    __u32 exec;
    __u32 offset;
    /// The finish_programs slot to call: 0, never written. Read from here, it is a number the verifier does not
    /// know (see finish).
    __u32 slot;
};

/// The scan of an absolute path for what normalizing would change (see certainly_outside), 8 bytes a bpf_loop step.
struct scan {
    __u32 length;
    /// A `//` or `/.` was seen.
    __u32 irregular;
};

struct scratch {
    __u8 fixed[FIXED_BYTES];
    __u8 data[DATA_BYTES];
    struct walk walk;
    struct finish finish;
    struct scan scan;
    /// This CPU's counters (CEBPF_COUNTER_*), last in the value: the loader reads them where the map is mapped.
    /// Kept here rather than in a map of their own, which each count would look up: the lookups and the
    /// branches on their result were 15 % of what the verifier checks in iotrace_finish (its load 1.55 -> 1.34 ms,
    /// medians of 31 loads).
    __u64 counters[CEBPF_COUNTERS];
};

_Static_assert(sizeof(struct scratch) == __builtin_offsetof(struct scratch, counters) + 8 * CEBPF_COUNTERS,
               "the counters end the scratch space's value (cebpf_counters reads them there)");

// One per CPU, indexed by the CPU's number: a per-CPU array's values are limited to 32 KiB, and a rename
// with two deep relative paths needs more. The loader sets max_entries to the number of possible CPUs.
// Mappable: the loader reads the counters in place.
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __uint(map_flags, BPF_F_MMAPABLE);
    __type(key, __u32);
    __type(value, struct scratch);
} scratch_space SEC(".maps");

_Static_assert(sizeof(struct cebpf_call) <= FIXED_BYTES, "a call's fixed part fits");
_Static_assert(sizeof(struct cebpf_exec) <= FIXED_BYTES, "an exec's fixed part fits");

static __always_inline void count(struct scratch *s, __u32 index) { s->counters[index] += 1; }

/// This CPU's scratch space. Each program looks it up once and hands it on: the global functions take it as an
/// argument (memory of the struct's size, which may be NULL to the verifier: each checks), the bpf_loop steps
/// through their context (a pointer to the caller's copy). A lookup in each (and its NULL check) was code the
/// verifier checks in every function (iotrace_finish's load 1.34 -> 1.27 ms, medians of 31 loads).
static __always_inline struct scratch *scratch(void) {
    __u32 cpu = bpf_get_smp_processor_id();
    return bpf_map_lookup_elem(&scratch_space, &cpu);
}

/// Starts a record in `s`: its whole fixed part zeroed (the padding sent after a shorter record included), then
/// the header every record begins with. The record's own fields follow at `s->fixed`.
static __always_inline void begin_record(struct scratch *s, __u32 kind, __u32 tgid, __u32 tid) {
    __builtin_memset(s->fixed, 0, FIXED_BYTES);
    struct cebpf_event_header *header = (struct cebpf_event_header *)s->fixed;
    header->kind = kind;
    header->tgid = tgid;
    header->tid = tid;
}

/// Copies the record built in `s` (fixed part `fixed` bytes, then `data_length` bytes) to the ring buffer.
/// Every record's fixed part is padded to FIXED_BYTES, so that the data follows it in `s` as in the record.
/// No wake-up per record: the reader polls every few milliseconds anyway, and a wake-up costs a context switch
/// per call. Only a buffer filling up (a quarter of it waiting) wakes the reader at once.
_Static_assert(BPF_RB_NO_WAKEUP + 1 == BPF_RB_FORCE_WAKEUP, "emit's flags arithmetic");
_Static_assert(CEBPF_COUNTER_EVENTS + 1 == CEBPF_COUNTER_LOST, "emit's count arithmetic");

static __always_inline void emit(struct scratch *s, __u32 data_length) {
    if (data_length > DATA_BYTES) data_length = DATA_BYTES;
    __u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
    __u64 size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
    // BPF_RB_NO_WAKEUP (1), or BPF_RB_FORCE_WAKEUP (2) when more than a quarter waits: the subtraction's sign
    // bit is the comparison, without a branch that the verifier would walk the rest of emit twice for. (Both
    // are far below 2^63.) And one count either way, for the same reason: events, or lost when the output
    // failed (a negative errno: its sign bit).
    __u64 flags = BPF_RB_NO_WAKEUP + ((size / 4 - waiting) >> 63);
    long sent = bpf_ringbuf_output(&events, s, FIXED_BYTES + data_length, flags);
    count(s, CEBPF_COUNTER_EVENTS + (__u32)((__u64)sent >> 63));
}

// MARK: - Paths


/// Reads the pointers at offsets `first`, `second` and `third` of kernel object `object` into `values`, the
/// three in one helper call where they lie within WINDOW_BYTES from `first` on (as in every kernel's layout of
/// the structures read here), else one call each. A helper call costs more than its bytes: the walk makes
/// two a component this way, where reading each field made four. (Plain loads through BTF pointers would
/// make none, but on this kernel the verifier looks each load from the current task's BTF pointer up in the
/// kernel's whole BTF, by name, several times: milliseconds of every start-up.) The offsets are CO-RE's for
/// this kernel: constants to the verifier, which checks only the branch they take.
static __always_inline void read_fields(struct walk *walk, const void *object, __u32 first, __u32 second,
                                        __u32 third, __u64 values[3]) {
    __u32 to_second = second - first, to_third = third - first;
    if (to_second <= WINDOW_BYTES - 8 && to_third <= WINDOW_BYTES - 8) {
        // On failure the helper zeroes the window: NULL fields, as reading each would give.
        bpf_probe_read_kernel(walk->window, WINDOW_BYTES, object + first);
        values[0] = walk->window[0];
        values[1] = *(__u64 *)((void *)walk->window + to_second);
        values[2] = *(__u64 *)((void *)walk->window + to_third);
        return;
    }
    bpf_probe_read_kernel(&values[0], 8, object + first);
    bpf_probe_read_kernel(&values[1], 8, object + second);
    bpf_probe_read_kernel(&values[2], 8, object + third);
}

/// Makes `mount` the walk's mount.
static __always_inline void enter_mount(struct walk *walk, struct mount *mount) {
    __u64 values[3];
    read_fields(walk, mount, bpf_core_field_offset(struct mount, mnt_parent),
                bpf_core_field_offset(struct mount, mnt_mountpoint), bpf_core_field_offset(struct mount, mnt.mnt_root),
                values);
    walk->mount = mount;
    walk->above = (struct mount *)values[0];
    walk->mountpoint = (struct dentry *)values[1];
    walk->root = (struct dentry *)values[2];
}

/// One component of walk_directory's walk. `context` points at the walk's scratch space pointer (see scratch()).
static long walk_step(__u32 index, void *context) {
    struct scratch *s = *(struct scratch **)context;
    struct walk *walk = &s->walk;
    struct dentry *dentry = walk->dentry;
    if (dentry == walk->root) {
        // The root of the namespace's root mount (its own parent), or of a detached tree: done.
        if (walk->above == walk->mount || !walk->above) return 1;
        walk->dentry = walk->mountpoint;
        enter_mount(walk, walk->above);
        return 0;
    }
    __u32 parent_at = bpf_core_field_offset(struct dentry, d_parent);
    __u32 to_name = bpf_core_field_offset(struct dentry, d_name.name) - parent_at;
    __u32 to_length = bpf_core_field_offset(struct dentry, d_name.len) - parent_at;
    struct dentry *parent;
    const unsigned char *name;
    // Where the name is in the window when it is kept in the dentry itself, and its length; else past the
    // window.
    __u64 inside = DENTRY_WINDOW;
    __u32 length = 0;
    if (to_name <= DENTRY_WINDOW - 8 && to_length <= DENTRY_WINDOW - 4) {
        // On failure the helper zeroes the window: a NULL parent and name, as reading each field would give.
        bpf_probe_read_kernel(walk->window, DENTRY_WINDOW, (void *)dentry + parent_at);
        parent = (struct dentry *)walk->window[0];
        name = (const unsigned char *)*(__u64 *)((void *)walk->window + to_name);
        length = *(__u32 *)((void *)walk->window + to_length);
        inside = (__u64)name - ((__u64)dentry + parent_at);
    } else {
        __u64 values[3];
        read_fields(walk, dentry, parent_at, parent_at + to_name, parent_at, values);
        parent = (struct dentry *)values[0];
        name = (const unsigned char *)values[1];
    }
    // A filesystem's root that is not its mount's: nothing above it to walk to.
    if (dentry == parent) return 1;
    __u32 offset = walk->offset;
    if (offset + NAME_BYTES > walk->limit) {
        walk->truncated = 1;
        return 1;
    }
    if (inside <= DENTRY_WINDOW - INLINE_NAME_BYTES && length < INLINE_NAME_BYTES) {
        // A short name, in the window already (NUL-terminated at its length): copied without a helper call.
        const __u64 *from = (const __u64 *)((void *)walk->window + inside);
        __u64 *to = (__u64 *)&s->data[offset & DATA_MASK];
        for (int word = 0; word < INLINE_NAME_BYTES / 8; word++) to[word] = from[word];
        s->data[(offset + length) & DATA_MASK] = 0;
        walk->offset = offset + length + 1;
    } else {
        long copied = bpf_probe_read_kernel_str(&s->data[offset & DATA_MASK], NAME_BYTES, name);
        if (copied <= 0) {
            walk->truncated = 1;
            return 1;
        }
        walk->offset = offset + (__u32)copied;
    }
    walk->dentry = parent;
    return 0;
}

/// Writes the components of a directory (leaf first, each NUL-terminated) into the scratch space's data at
/// `offset`: `file`'s (a struct file *), or the current task's cwd when `file` is 0. Returns the new offset,
/// with bit 32 set when the walk was cut short. A global function: the verifier checks it, and the bpf_loop in
/// it, once, not at each of its five callers.
__attribute__((noinline)) __u64 walk_directory(struct scratch *s, __u64 file, __u32 offset) {
    if (!s) return offset;
    // A struct path (the file's, or the fs_struct's pwd): its mount and dentry, in one read.
    const void *path;
    if (file) {
        path = (const void *)file + bpf_core_field_offset(struct file, f_path);
    } else {
        struct task_struct *task = (struct task_struct *)bpf_get_current_task();
        path = (const void *)BPF_CORE_READ(task, fs) + bpf_core_field_offset(struct fs_struct, pwd);
    }
    __u64 values[3];
    __u32 mnt_at = bpf_core_field_offset(struct path, mnt);
    read_fields(&s->walk, path, mnt_at, bpf_core_field_offset(struct path, dentry), mnt_at, values);
    struct vfsmount *vfsmount = (struct vfsmount *)values[0];
    s->walk.dentry = (struct dentry *)values[1];
    if (!s->walk.dentry || !vfsmount) return offset;
    // container_of(vfsmount, struct mount, mnt), with the offset CO-RE gives for this kernel.
    enter_mount(&s->walk, (struct mount *)((void *)vfsmount - bpf_core_field_offset(struct mount, mnt)));
    s->walk.offset = offset;
    s->walk.limit = offset + BASE_LIMIT;
    s->walk.truncated = 0;
    bpf_loop(MAX_COMPONENTS, walk_step, &s, 0);
    return (__u64)s->walk.offset | ((__u64)(s->walk.truncated ? 1 : 0) << 32);
}

/// Writes the components of `file`'s directory, or the cwd's (`file` 0), at `offset`; returns the new offset.
static __always_inline __u32 write_directory(struct scratch *s, struct file *file, __u32 offset, __u32 *status) {
    __u64 walked = walk_directory(s, (__u64)file, offset);
    if (walked >> 32) *status |= CEBPF_TRUNCATED;
    return (__u32)walked;
}

/// The open file behind descriptor `fd` of the current task, or NULL. The table is most often the one inside
/// the files_struct (fdtab, up to 64 descriptors): then its size and array come in the read of the pointer to
/// it, and a file costs three helper calls where it cost five.
/// A global function: the verifier checks it once per program, not at each of its three callers.
__attribute__((noinline)) __u64 open_file(struct scratch *s, int fd) {
    if (fd < 0 || !s) return 0;
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    struct files_struct *files = BPF_CORE_READ(task, files);
    if (!files) return 0;
    __u64 values[3];
    read_fields(&s->walk, files, bpf_core_field_offset(struct files_struct, fdt),
                bpf_core_field_offset(struct files_struct, fdtab.max_fds),
                bpf_core_field_offset(struct files_struct, fdtab.fd), values);
    struct fdtable *table = (struct fdtable *)values[0];
    if (!table) return 0;
    if ((void *)table != (void *)files + bpf_core_field_offset(struct files_struct, fdtab)) {
        __u32 size_at = bpf_core_field_offset(struct fdtable, max_fds);
        read_fields(&s->walk, table, size_at, bpf_core_field_offset(struct fdtable, fd), size_at, values);
        values[2] = values[1];
        values[1] = values[0];
    }
    // max_fds is an unsigned int: the low half of its word (the byte orders built for are little-endian).
    if ((unsigned int)fd >= (__u32)values[1]) return 0;
    struct file **array = (struct file **)values[2];
    __u64 file = 0;
    bpf_probe_read_kernel(&file, sizeof(file), &array[fd]);
    return file;
}

static __always_inline struct file *descriptor(struct scratch *s, int fd) {
    return (struct file *)open_file(s, fd);
}

/// The base directory a relative path of the current task is relative to (its cwd, or dirfd's file).
static __always_inline __u32 write_base(struct scratch *s, int dirfd, __u32 offset, __u32 *status,
                                        __u32 unknown) {
    if (dirfd == AT_FDCWD) return write_directory(s, 0, offset, status);
    struct file *file = descriptor(s, dirfd);
    if (!file) {
        *status |= unknown;
        return offset;
    }
    return write_directory(s, file, offset, status);
}

/// Reads the path at `address` into the data at `offset` (without its NUL); returns its length, or -1 when
/// it cannot be read now.
static __always_inline long read_path(struct scratch *s, __u32 offset, __u64 address) {
    long length = bpf_probe_read_user_str(&s->data[offset & DATA_MASK], PATH_BYTES, (const void *)address);
    return length > 0 ? length - 1 : -1;
}

/// Path `slot` (0 or 1) of the call being built in the scratch space, read from `address`, and its base when it
/// is relative (its dirfd `dirfd`): written at `offset`, their lengths into the call's `lengths[2 * slot]` and
/// the next, what went wrong into its status. Returns the offset after them. A global function: the verifier
/// checks it once per program, not at each of sys_exit's two calls.
__attribute__((noinline)) __u32 write_path(struct scratch *s, __u32 slot, __u64 address, int dirfd, __u32 offset) {
    if (!s || slot > 1) return offset;
    struct cebpf_call *call = (struct cebpf_call *)s->fixed;
    __u32 unreadable = slot == 0 ? CEBPF_PATH0_UNREADABLE : CEBPF_PATH1_UNREADABLE;
    __u32 unknown = slot == 0 ? CEBPF_BASE0_UNKNOWN : CEBPF_BASE1_UNKNOWN;
    if (offset > DATA_MASK - PATH_BYTES - BASE_LIMIT) {
        call->status |= CEBPF_TRUNCATED | unreadable;
        return offset;
    }
    long length = read_path(s, offset, address);
    if (length < 0) {
        call->status |= unreadable;
        return offset;
    }
    call->lengths[2 * slot] = (__u16)length;
    __u32 after = offset + (__u32)length;
    if (length > 0 && s->data[offset & DATA_MASK] != '/') {
        __u32 end = write_base(s, dirfd, after, &call->status, unknown);
        call->lengths[2 * slot + 1] = (__u16)(end - after);
        after = end;
    }
    return after;
}

/// 0x80 in each byte of `word` that is zero, 0 in the others (exact: no borrow between bytes).
static __always_inline __u64 zero_bytes(__u64 word) {
    const __u64 low7 = 0x7F7F7F7F7F7F7F7Full;
    return ~(((word & low7) + low7) | word | low7);
}

/// The first `count` bytes of a word (little-endian: its low ones), as a mask; all of them from 8 on.
static __always_inline __u64 first_bytes(__u32 count) {
    return count >= 8 ? ~0ull : (1ull << (count * 8)) - 1;
}

_Static_assert(DATA_MASK + 1 >= PATH_BYTES + 16, "a path's words and the byte after them are in the data");

/// One step of certainly_outside's scan: the pairs of bytes that start in the path's word `index` (bytes
/// 8 * index on; the word's last with the next word's first), for `//` and `/.`.
/// `context` points at the scan's scratch space pointer (see scratch()).
static long scan_word(__u32 index, void *context) {
    struct scratch *s = *(struct scratch **)context;
    __u32 at = index * 8;
    __u32 length = s->scan.length;
    if (at >= length) return 1;
    __u64 word = *(__u64 *)&s->data[at & (DATA_MASK - 7)];
    __u64 following = (word >> 8) | ((__u64)s->data[(at + 8) & DATA_MASK] << 56);
    const __u64 slashes = 0x2F2F2F2F2F2F2F2Full, dots = 0x2E2E2E2E2E2E2E2Eull;
    // Pair (k, k + 1) counts when both bytes are the path's.
    __u64 pairs = zero_bytes(word ^ slashes) & (zero_bytes(following ^ slashes) | zero_bytes(following ^ dots));
    if (pairs & first_bytes(length - at - 1)) {
        s->scan.irregular = 1;
        return 1;
    }
    return 0;
}

/// Whether the path at the start of the data (`length` bytes) is certainly outside the workspace, so that its call
/// can be left out here: absolute, read whole, with nothing that normalizing changes (no `//`, no `/.`; the kernel's
/// names are normal already), and not starting with the bytes of any root (a path that does, or a sibling such as
/// ROOT-old, is sent: userspace decides). A global function: the verifier checks it once.
__attribute__((noinline)) int certainly_outside(struct scratch *s, __u32 length) {
    if (!s || constants.root_count == 0) return 0;
    if (length == 0 || length >= PATH_BYTES - 1 || s->data[0] != '/') return 0;
    s->scan.length = length;
    s->scan.irregular = 0;
    bpf_loop((length + 7) / 8, scan_word, &s, 0);
    if (s->scan.irregular) return 0;
    // bpf_strncmp stops at the root's NUL: 0 when the path's first bytes are the root's.
    if (bpf_strncmp((const char *)s->data, constants.root_lengths[0], (const char *)constants.roots[0]) == 0) return 0;
    if (constants.root_count > 1 &&
        bpf_strncmp((const char *)s->data, constants.root_lengths[1], (const char *)constants.roots[1]) == 0) {
        return 0;
    }
    return 1;
}

// MARK: - Syscalls

static __always_inline int is_followed(__u32 tgid) { return bpf_map_lookup_elem(&followed, &tgid) != 0; }

/// The ABI of the current task's syscall: 1 for a 32-bit one (i386 on x86_64), else 0. Read through the task's
/// BTF pointer: a plain load, not a helper call.
static __always_inline __u32 current_abi(struct task_struct *task) {
#if defined(__TARGET_ARCH_x86)
    return (task->thread_info.status & TS_COMPAT) ? 1 : 0;
#else
    return 0;
#endif
}

/// The current call: its number (the task's saved registers keep it: what syscall_get_nr reads, at sys_exit
/// and in an exec alike, where the tracepoints do not give it), its ABI and its arguments. The registers come
/// from bpf_task_pt_regs as a BTF pointer, so each is a plain load; a raw tracepoint's own pointer to them is
/// a number to the verifier, and every read through it would be a helper call.
/// Slots 6 and 7 of `arguments` are not registers: a row's CEBPF_NO_ARGUMENT (0xFF) masked to a slot is 7, which
/// holds AT_FDCWD, what a missing dirfd means. Every argument is then one load, not a branch the verifier walks
/// both ways of at each use.
struct current_call {
    long number;
    __u32 abi;
    __u64 arguments[8];
};

static __always_inline struct pt_regs *current_registers(struct task_struct *task) {
    return (struct pt_regs *)bpf_task_pt_regs(task);
}

static __always_inline long call_number(const struct pt_regs *registers) {
#if defined(__TARGET_ARCH_x86)
    return (long)registers->orig_ax;
#else
    return registers->syscallno;
#endif
}

static __always_inline void read_arguments(const struct pt_regs *registers, __u32 abi, __u64 arguments[8]) {
    arguments[6] = 0;
    arguments[7] = (__u64)(__s64)AT_FDCWD;
#if defined(__TARGET_ARCH_x86)
    if (abi) {
        // i386: ebx, ecx, edx, esi, edi, ebp.
        arguments[0] = (__u32)registers->bx;
        arguments[1] = (__u32)registers->cx;
        arguments[2] = (__u32)registers->dx;
        arguments[3] = (__u32)registers->si;
        arguments[4] = (__u32)registers->di;
        arguments[5] = (__u32)registers->bp;
        return;
    }
    arguments[0] = registers->di;
    arguments[1] = registers->si;
    arguments[2] = registers->dx;
    arguments[3] = registers->r10;
    arguments[4] = registers->r8;
    arguments[5] = registers->r9;
#else
    for (int index = 0; index < 6; index++) arguments[index] = registers->regs[index];
#endif
}

_Static_assert((CEBPF_NO_ARGUMENT & 7) == 7, "a missing argument reads slot 7");

static __always_inline __u64 argument(const struct current_call *call, __u8 index) {
    return call->arguments[index & 7];
}

/// A dirfd argument: AT_FDCWD where the row has none.
static __always_inline int dirfd_argument(const struct current_call *call, __u8 index) {
    return (int)argument(call, index);
}

/// The table's row for syscall `number` of ABI `abi`, or NULL when it has none. Most syscalls have none: this
/// array lookup (inlined by the verifier) sends them away before any hash lookup, in every process on the
/// machine.
static __always_inline const struct cebpf_row *table_row(long number, __u32 abi) {
    if (number < 0 || number >= CEBPF_ROWS_PER_ABI) return 0;
    __u32 key = abi * CEBPF_ROWS_PER_ABI + (__u32)number;
    const struct cebpf_row *row = bpf_map_lookup_elem(&rows, &key);
    return row && row->kind != CEBPF_ROW_NONE ? row : 0;
}

/// Starts the record of the current call (number `number` of ABI `abi`) in `s`; iotrace_finish reads the rest.
static __always_inline struct cebpf_call *begin_call(struct scratch *s, __u32 kind, __u32 tgid, __u32 tid,
                                                    long number, __u32 abi) {
    begin_record(s, kind, tgid, tid);
    struct cebpf_call *record = (struct cebpf_call *)s->fixed;
    record->number = (__u32)number;
    record->abi = abi;
    return record;
}

/// The program iotrace_sys_exit, iotrace_prepare_exec and iotrace_exec hand their record to (a tail call), to read
/// its paths and directories and send it. The path machinery (write_path, walk_directory, open_file) is the
/// most of the verifier's work: it checks it once, here, not once in each of the three. The loader fills slot 0.
struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} finish_programs SEC(".maps");

static __always_inline void finish(struct bpf_raw_tracepoint_args *context, struct scratch *s) {
    // A slot the verifier knows (a constant) makes the JIT write a direct jump into each caller, which filling
    // the slot then rewrites in place: three text pokes, each a round of IPIs to every CPU, 0.26 ms of a trace's
    // start. A slot it does not know costs an indirect jump at each call instead (a few nanoseconds).
    bpf_tail_call(context, &finish_programs, s->finish.slot);
    // Only a slot left empty comes back here: the record goes unsent, and is counted as lost.
    count(s, CEBPF_COUNTER_LOST);
}

SEC("raw_tracepoint/sys_exit")
int iotrace_sys_exit(struct bpf_raw_tracepoint_args *context) {
    // Every syscall exit on the machine comes here: those the table has no row for leave at once, the rest
    // after one hash lookup when their process is not followed. A call is read whole at its exit: its
    // arguments are still in the task's saved registers, the kernel has copied its path strings (their pages
    // are in memory by now) and it has its result.
    struct task_struct *task = bpf_get_current_task_btf();
    const struct pt_regs *registers = current_registers(task);
    struct current_call call = {.number = call_number(registers), .abi = current_abi(task)};
    const struct cebpf_row *row = table_row(call.number, call.abi);
    if (!row) return 0;
    long result = (long)context->args[1];
    // A successful exec returns in the new program, its arguments gone: its prepare_exec and exec records
    // carry it. A failed io_uring_setup says nothing (the one the command's seccomp filter refuses comes here
    // too: the filter skips the call, not its exit). One test, no branch on the result: the row's bit
    // CEBPF_ROW_EXEC for a call that succeeded, CEBPF_ROW_SUCCESS_ONLY (the next) for one that failed.
    if (row->options & (CEBPF_ROW_EXEC << ((__u64)result >> 63))) return 0;
    __u64 ids = bpf_get_current_pid_tgid();
    __u32 tgid = ids >> 32, tid = (__u32)ids;
    if (!is_followed(tgid)) return 0;
    // Left out by its arguments (an fstat-like statx, an open without a flag it is traced for)?
    if (row->untraced_argument != CEBPF_NO_ARGUMENT) {
        read_arguments(registers, call.abi, call.arguments);
        if ((__u32)argument(&call, row->untraced_argument) & row->untraced_mask) return 0;
    }
    struct scratch *s = scratch();
    if (!s) return 0;
    struct cebpf_call *record = begin_call(s, CEBPF_EVENT_CALL, tgid, tid, call.number, call.abi);
    record->result = result;
    s->finish.exec = 0;
    s->finish.count_unreadable = 1;
    finish(context, s);
    return 0;
}

/// Slot 0 of finish_programs: completes the record begun in the scratch space (a call's flags, whether it opened
/// a directory, its paths and their base directories; an exec's cwd) and sends it.
SEC("raw_tracepoint")
int iotrace_finish(struct bpf_raw_tracepoint_args *context) {
    struct scratch *s = scratch();
    if (!s) return 0;
    struct finish *request = &s->finish;
    __u32 offset;
    if (request->exec) {
        struct cebpf_exec *event = (struct cebpf_exec *)s->fixed;
        offset = request->offset;
        __u32 end = write_directory(s, 0, offset, &event->status);
        event->cwd_length = (__u16)(end - offset);
        offset = end;
        // A cut argv or cwd is flagged in the record; no path of a call's was cut (nothing to count).
        event->header.data_length = offset;
        emit(s, offset);
        return 0;
    }
    // A call: its row and arguments again (the task is still in it, its registers as they were).
    struct cebpf_call *record = (struct cebpf_call *)s->fixed;
    const struct cebpf_row *row = table_row(record->number, record->abi);
    if (!row) return 0;
    struct task_struct *task = bpf_get_current_task_btf();
    struct current_call call = {.number = record->number, .abi = record->abi};
    read_arguments(current_registers(task), call.abi, call.arguments);
    if (row->flags != CEBPF_NO_ARGUMENT) {
        __u64 flags = argument(&call, row->flags);
        if (row->kind == CEBPF_ROW_OPEN_HOW) {
            // struct open_how { __u64 flags; ... } (linux/openat2.h), in the task's memory.
            __u64 how = 0;
            if (bpf_probe_read_user(&how, sizeof(how), (const void *)flags) != 0) count(s, CEBPF_COUNTER_UNREADABLE);
            flags = how;
        }
        record->flags = flags;
    }
    offset = 0;
    if (row->kind == CEBPF_ROW_DESCRIPTOR) {
        struct file *file = descriptor(s, dirfd_argument(&call, row->dirfd0));
        if (file) {
            offset = write_directory(s, file, 0, &record->status);
            record->lengths[1] = (__u16)offset;
        } else {
            record->status |= CEBPF_BASE0_UNKNOWN;
        }
    } else if (row->path0 != CEBPF_NO_ARGUMENT) {
        offset = write_path(s, 0, argument(&call, row->path0), dirfd_argument(&call, row->dirfd0), offset);
        if (row->path1 != CEBPF_NO_ARGUMENT) {
            offset = write_path(s, 1, argument(&call, row->path1), dirfd_argument(&call, row->dirfd1), offset);
        }
        if (request->count_unreadable && (record->status & (CEBPF_PATH0_UNREADABLE | CEBPF_PATH1_UNREADABLE))) {
            count(s, CEBPF_COUNTER_UNREADABLE);
        }
        // A call on one path, absolute (no base directory), read whole, certainly outside the workspace: the
        // report would leave it out; it is not sent. (An exec's ENTRY record always is: its EXEC record needs it.)
        if (record->header.kind == CEBPF_EVENT_CALL && row->path1 == CEBPF_NO_ARGUMENT && record->lengths[1] == 0
            && !(record->status & (CEBPF_PATH0_UNREADABLE | CEBPF_TRUNCATED))
            && certainly_outside(s, record->lengths[0])) {
            count(s, CEBPF_COUNTER_OUTSIDE);
            return 0;
        }
    }
    // (An ENTRY record is an exec's: not an open.)
    if (record->result >= 0 && (row->kind == CEBPF_ROW_OPEN || row->kind == CEBPF_ROW_OPEN_HOW)) {
        struct file *file = descriptor(s, (int)record->result);
        if (file && (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) == S_IFDIR) {
            record->status |= CEBPF_OPENED_DIRECTORY;
        }
    }
    if (record->status & CEBPF_TRUNCATED) count(s, CEBPF_COUNTER_TRUNCATED);
    record->header.data_length = offset;
    emit(s, offset);
    return 0;
}

// MARK: - Processes

SEC("raw_tracepoint/sched_process_fork")
int iotrace_fork(struct bpf_raw_tracepoint_args *context) {
    struct task_struct *parent = (struct task_struct *)context->args[0];
    struct task_struct *child = (struct task_struct *)context->args[1];
    __u32 tgid = BPF_CORE_READ(parent, tgid);
    struct followed_process *process = bpf_map_lookup_elem(&followed, &tgid);
    if (!process) return 0;
    __u32 child_tgid = BPF_CORE_READ(child, tgid);
    if (child_tgid == tgid) {
        __sync_fetch_and_add(&process->threads, 1);
        return 0;
    }
    struct followed_process joined = {.threads = 1};
    struct scratch *s = scratch();
    if (bpf_map_update_elem(&followed, &child_tgid, &joined, BPF_ANY) != 0) {
        if (s) count(s, CEBPF_COUNTER_LOST);
        return 0;
    }
    if (!s) return 0;
    begin_record(s, CEBPF_EVENT_FORK, tgid, BPF_CORE_READ(parent, pid));
    struct cebpf_fork *event = (struct cebpf_fork *)s->fixed;
    event->child = child_tgid;
    emit(s, 0);
    return 0;
}

/// An exec past its point of no return (sched_prepare_exec, Linux 6.10 and later), before it replaces anything:
/// the old program's memory, descriptors and registers are still there. Its ENTRY record names the file as the
/// call gave it, relative to the cwd or dirfd as at the call; the EXEC record that follows completes it. (Where
/// the kernel has no such tracepoint, the EXEC record alone tells the call: see EBPFTracer.)
SEC("raw_tracepoint/sched_prepare_exec")
int iotrace_prepare_exec(struct bpf_raw_tracepoint_args *context) {
    __u64 ids = bpf_get_current_pid_tgid();
    __u32 tgid = ids >> 32, tid = (__u32)ids;
    if (!is_followed(tgid)) return 0;
    struct task_struct *task = bpf_get_current_task_btf();
    const struct pt_regs *registers = current_registers(task);
    struct current_call call = {.number = call_number(registers), .abi = current_abi(task)};
    const struct cebpf_row *row = table_row(call.number, call.abi);
    // Not the table's exec (a kernel thread's has no syscall): the EXEC record alone tells it.
    if (!row || !(row->options & CEBPF_ROW_EXEC) || row->path0 == CEBPF_NO_ARGUMENT) return 0;
    struct scratch *s = scratch();
    if (!s) return 0;
    begin_call(s, CEBPF_EVENT_ENTRY, tgid, tid, call.number, call.abi);
    // Unreadable here, the path is the kernel's copy in the EXEC record (userspace counts it if that fails too).
    s->finish.exec = 0;
    s->finish.count_unreadable = 0;
    finish(context, s);
    return 0;
}

SEC("raw_tracepoint/sched_process_exec")
int iotrace_exec(struct bpf_raw_tracepoint_args *context) {
    struct task_struct *task = (struct task_struct *)context->args[0];
    __u32 former = (__u32)context->args[1];
    struct linux_binprm *binary = (struct linux_binprm *)context->args[2];
    __u32 tgid = BPF_CORE_READ(task, tgid);
    if (!is_followed(tgid)) return 0;
    struct scratch *s = scratch();
    if (!s) return 0;
    begin_record(s, CEBPF_EVENT_EXEC, tgid, BPF_CORE_READ(task, pid));
    struct cebpf_exec *event = (struct cebpf_exec *)s->fixed;
    event->former = former;
    // The call that made it, from the registers (the new program's are set, but not the call's number).
    struct task_struct *current = bpf_get_current_task_btf();
    event->number = (__u32)call_number(current_registers(current));
    event->abi = current_abi(current);
    // argv, as the new program's stack holds it (the task is current: its memory is the new image's).
    unsigned long start = BPF_CORE_READ(task, mm, arg_start);
    unsigned long end = BPF_CORE_READ(task, mm, arg_end);
    __u32 length = end > start ? (__u32)(end - start) : 0;
    if (length > PATH_BYTES) {
        length = PATH_BYTES;
        event->status |= CEBPF_TRUNCATED;
    }
    if (bpf_probe_read_user(&s->data[0], length, (const void *)start) != 0) length = 0;
    event->argv_length = (__u16)length;
    __u32 offset = length;
    if (offset <= DATA_MASK - PATH_BYTES) {
        const char *filename = BPF_CORE_READ(binary, filename);
        long name = bpf_probe_read_kernel_str(&s->data[offset & DATA_MASK], PATH_BYTES, filename);
        if (name > 0) {
            event->filename_length = (__u16)(name - 1);
            offset += (__u32)(name - 1);
        }
    }
    // The environment's end: where a runner's own variables are (see CEBPF_ENVIRONMENT_BYTES), when asked for.
    unsigned long env_start = 0, env_end = 0;
    if (constants.read_environment) {
        env_start = BPF_CORE_READ(task, mm, env_start);
        env_end = BPF_CORE_READ(task, mm, env_end);
    }
    if (env_end > env_start && offset <= DATA_MASK) {
        __u32 env_length = env_end - env_start > CEBPF_ENVIRONMENT_BYTES ? CEBPF_ENVIRONMENT_BYTES
                                                                         : (__u32)(env_end - env_start);
        if (bpf_probe_read_user(&s->data[offset & DATA_MASK], env_length, (const void *)(env_end - env_length)) == 0) {
            event->environment_length = (__u16)env_length;
            offset += env_length;
        }
    }
    // The cwd last, by iotrace_finish (the task is the current one: the cwd it walks is its own).
    s->finish.exec = 1;
    s->finish.offset = offset;
    finish(context, s);
    return 0;
}

SEC("raw_tracepoint/sched_process_exit")
int iotrace_exit(struct bpf_raw_tracepoint_args *context) {
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    __u32 tgid = BPF_CORE_READ(task, tgid);
    struct followed_process *process = bpf_map_lookup_elem(&followed, &tgid);
    if (!process) return 0;
    __u32 tid = BPF_CORE_READ(task, pid);
    if (__sync_fetch_and_add(&process->threads, -1) != 1) return 0;
    bpf_map_delete_elem(&followed, &tgid);
    struct scratch *s = scratch();
    if (!s) return 0;
    begin_record(s, CEBPF_EVENT_PROCESS_EXIT, tgid, tid);
    struct cebpf_process_exit *event = (struct cebpf_process_exit *)s->fixed;
    // do_exit stores the code before this tracepoint: exit_group's status for every thread of the group.
    event->status = BPF_CORE_READ(task, exit_code);
    emit(s, 0);
    return 0;
}
