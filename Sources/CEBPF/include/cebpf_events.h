// The records the eBPF program writes to its ring buffer and the rows userspace gives it: one layout, read
// by the program (Sources/CEBPF/bpf/iotrace.bpf.c), the loader and Swift (EBPFEngine/EventReader.swift).
// Every record starts with `cebpf_event_header`; its variable data follows the fixed part, whose size is
// the one `_Static_assert`ed below.
#ifndef CEBPF_EVENTS_H
#define CEBPF_EVENTS_H

#include <linux/types.h>

enum cebpf_event_kind {
    /// An exec past its point of no return (sched_prepare_exec): its path read from the old program's memory,
    /// its base directory resolved in the kernel. The EXEC record that follows completes it.
    CEBPF_EVENT_ENTRY = 1,
    /// A followed process made a new process (fork, vfork, clone without CLONE_THREAD).
    CEBPF_EVENT_FORK = 3,
    /// A followed process exec'd successfully.
    CEBPF_EVENT_EXEC = 4,
    /// The last thread of a followed process exited.
    CEBPF_EVENT_PROCESS_EXIT = 5,
    /// A traced call, whole, in one record at its exit: its arguments from the task's saved registers, its paths
    /// read and their base directories resolved at its exit (by then the kernel has copied the strings: their
    /// pages are in memory), its result. Every call but a successful exec.
    CEBPF_EVENT_CALL = 6,
};

struct cebpf_event_header {
    __u32 kind;
    /// The thread group (process) and thread that made the event.
    __u32 tgid;
    __u32 tid;
    /// Bytes of variable data after the fixed part.
    __u32 data_length;
    /// Zero. (It held bpf_ktime_get_ns, which nothing read: records are in the ring's order, which is the order
    /// they were made in, and the clock cost a helper call a record.)
    __u64 reserved;
};

/// `status` bits of a call record.
enum {
    /// Path N could not be read from the task's memory.
    CEBPF_PATH0_UNREADABLE = 1u << 0,
    CEBPF_PATH1_UNREADABLE = 1u << 1,
    /// Base directory N could not be resolved (a descriptor that is not open, or not a directory).
    CEBPF_BASE0_UNKNOWN = 1u << 2,
    CEBPF_BASE1_UNKNOWN = 1u << 3,
    /// A path or base directory was longer than the program's buffers: cut short.
    CEBPF_TRUNCATED = 1u << 4,
    /// CALL: the descriptor a successful open returned is a directory.
    CEBPF_OPENED_DIRECTORY = 1u << 5,
};

/// An ENTRY or CALL record. Data: path0, base0, path1, base1, each `lengths[i]` bytes. A path is the bytes
/// the task passed (no NUL). A base directory, present only when its path is relative (or for a descriptor
/// call, where path0 is empty and base0 is the descriptor's path), is its components from the leaf up to
/// the root, each followed by a NUL: "b\0a\0" is /a/b; the root itself is an empty base with no unknown bit.
struct cebpf_call {
    struct cebpf_event_header header;
    /// CALL: the syscall's return value (-errno on failure).
    __s64 result;
    /// The flags argument the row names (open flags, open_how.flags, rename flags), raw.
    __u64 flags;
    __u32 number;
    /// 0: the native ABI; 1: the compat ABI (i386 on x86_64).
    __u32 abi;
    __u32 status;
    __u16 lengths[4];
    __u32 reserved;
};

/// FORK: header.tgid is the parent process.
struct cebpf_fork {
    struct cebpf_event_header header;
    __u32 child;
    __u32 reserved;
};

/// EXEC: header.tgid is the process (and header.tid its new thread id, the same). Data: argv (the new
/// program's argument area, NUL-separated, as /proc/PID/cmdline), the file name the exec was given (as the
/// kernel kept it, bprm->filename), the environment area's last CEBPF_ENVIRONMENT_BYTES at most (NUL-separated
/// `NAME=VALUE`; its first entry may be cut), and the cwd (components as in a base directory).
struct cebpf_exec {
    struct cebpf_event_header header;
    /// The thread that called exec (not the leader when a non-leader thread exec'd).
    __u32 former;
    __u32 status;
    /// The exec call: its number and ABI (as in a call record).
    __u32 number;
    __u32 abi;
    __u16 argv_length;
    __u16 cwd_length;
    __u16 filename_length;
    __u16 environment_length;
};

/// How much of an exec's environment the EXEC record carries: its end, where a runner's own variables go
/// (nx appends NX_TASK_TARGET_* to the environment it forks a task with).
#define CEBPF_ENVIRONMENT_BYTES 8192

/// PROCESS_EXIT: header.tgid is the process; `status` as wait(2) reports it (exit code << 8, or the signal).
struct cebpf_process_exit {
    struct cebpf_event_header header;
    __s32 status;
    __u32 reserved;
};

/// What a syscall row asks of the program (userspace fills the rows from the Swift syscall table).
enum cebpf_row_kind {
    CEBPF_ROW_NONE = 0,
    /// open(at)/creat: path0 (+ dirfd0), flags from argument `flags` (none for creat).
    CEBPF_ROW_OPEN = 1,
    /// openat2: flags are open_how.flags, the first 8 bytes at argument `flags`.
    CEBPF_ROW_OPEN_HOW = 2,
    /// A call on one path: path0 (+ dirfd0).
    CEBPF_ROW_PATH = 3,
    /// A call on a descriptor (getdents): argument `dirfd0` is the descriptor; base0 is its path.
    CEBPF_ROW_DESCRIPTOR = 4,
    /// rename: path0 (+ dirfd0), path1 (+ dirfd1), flags from argument `flags` if any.
    CEBPF_ROW_RENAME = 5,
    /// A call whose result alone matters (io_uring_setup).
    CEBPF_ROW_RESULT = 6,
};

/// Row options.
enum {
    /// An exec (one path: path0, dirfd0), whose success replaces the memory and registers its arguments are
    /// in: read at sched_prepare_exec (an ENTRY record, completed by the EXEC record); only a failed one makes a
    /// CALL record at its exit.
    CEBPF_ROW_EXEC = 1u << 0,
    /// A call whose failure says nothing (io_uring_setup): only a successful one makes a record.
    CEBPF_ROW_SUCCESS_ONLY = 1u << 1,
};

/// No argument in that slot.
#define CEBPF_NO_ARGUMENT 0xFF
/// Where a record's variable data starts: every fixed part is padded to this.
#define CEBPF_FIXED_BYTES 64
/// Rows per ABI: syscall numbers below this are looked up; the compat ABI's rows follow the native ones.
#define CEBPF_ROWS_PER_ABI 1024

struct cebpf_row {
    __u8 kind;
    __u8 path0;
    __u8 dirfd0;
    __u8 path1;
    __u8 dirfd1;
    __u8 flags;
    /// The call is left out when argument `untraced_argument`'s low 32 bits have any of `untraced_mask`.
    __u8 untraced_argument;
    /// CEBPF_ROW_* option bits.
    __u8 options;
    __u32 untraced_mask;
};

/// The program's counters: one set per CPU, at the end of its value of the scratch space (iotrace.bpf.c),
/// summed by the loader.
enum {
    CEBPF_COUNTER_EVENTS = 0,
    CEBPF_COUNTER_LOST = 1,
    CEBPF_COUNTER_UNREADABLE = 2,
    CEBPF_COUNTER_TRUNCATED = 3,
    /// Calls left out in the kernel: their one path was certainly outside the workspace (see cebpf_constants).
    CEBPF_COUNTER_OUTSIDE = 4,
    CEBPF_COUNTERS = 5,
};

/// Bytes a workspace root may have (its NUL included) for the program to compare paths with it; a longer one
/// turns the comparison off (every call is sent, as before it).
#define CEBPF_ROOT_BYTES 256
#define CEBPF_MAX_ROOTS 2

/// The program's constants (its .rodata), set by the loader before the load: the verifier knows their values and
/// leaves out the code they turn off.
struct cebpf_constants {
    /// Nonzero: an EXEC record carries the end of the new program's environment.
    __u32 read_environment;
    /// The workspace's roots as the report's filter has them (as given and canonical, normalized): the program
    /// leaves out a call whose one path is certainly outside all of them (see certainly_outside in
    /// iotrace.bpf.c). 0: it leaves nothing out.
    __u32 root_count;
    __u32 root_lengths[CEBPF_MAX_ROOTS];
    /// Each NUL-terminated (bpf_strncmp compares with them).
    char roots[CEBPF_MAX_ROOTS][CEBPF_ROOT_BYTES];
};

_Static_assert(sizeof(struct cebpf_event_header) == 24, "cebpf_event_header");
_Static_assert(sizeof(struct cebpf_call) == 64, "cebpf_call");
_Static_assert(sizeof(struct cebpf_fork) == 32, "cebpf_fork");
_Static_assert(sizeof(struct cebpf_exec) == 48, "cebpf_exec");
_Static_assert(sizeof(struct cebpf_process_exit) == 32, "cebpf_process_exit");
_Static_assert(sizeof(struct cebpf_row) == 12, "cebpf_row");
_Static_assert(CEBPF_ROW_SUCCESS_ONLY == CEBPF_ROW_EXEC << 1, "sys_exit picks one of the two by the result's sign");

#endif
