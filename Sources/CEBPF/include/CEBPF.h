// CEBPF: the thin C layer under the eBPF engine. It loads the embedded program with libbpf, fills its
// syscall rows, attaches it, and hands its ring buffer's records to a callback.
//
// Every symbol is `cebpf_` plus what it wraps. Functions return a negative errno on failure, never "-1,
// read errno later". Only Sources/EBPFEngine imports this module.
#ifndef CEBPF_H
#define CEBPF_H

#include <stddef.h>
#include <stdint.h>

#include "cebpf_events.h"

#if __has_feature(nullability)
#pragma clang assume_nonnull begin
#endif

/// One loaded and attached instance of the program, with its own maps: two traces never share one.
typedef struct cebpf_trace cebpf_trace;

/// Work the caller gives cebpf_open to do on its thread while the helper thread prepares its copy (the BTF cut,
/// the maps): called once, before any program is loaded (so a process it forks inherits nothing of the load), or
/// not at all when the load failed before that moment.
typedef void (*cebpf_meanwhile)(void *_Nullable context);
/// What a trace asks of the program besides its rows: cebpf_settings_make, then cebpf_settings_add_root.
struct cebpf_settings {
    /// The ring buffer's size: a power of two of at least a page.
    uint32_t ring_bytes;
    /// A root could not be compared: the program leaves nothing out, whatever roots come after.
    uint32_t roots_off;
    /// The program's .rodata.
    struct cebpf_constants constants;
};

/// Settings with a ring buffer of `ring_bytes` and no workspace root. `environment` nonzero: each EXEC record
/// carries the end of the new program's environment (a build task's variables), an 8 KiB read and record an exec;
/// zero leaves that code out of the program.
struct cebpf_settings cebpf_settings_make(uint32_t ring_bytes, uint32_t environment);

/// Adds a root of the workspace (`length` bytes, normalized and absolute): the program leaves out a call whose
/// one path is certainly outside every root added. A root it cannot compare ("/", longer than
/// CEBPF_ROOT_BYTES - 1 bytes, or one root too many) turns that off.
void cebpf_settings_add_root(struct cebpf_settings *settings, const uint8_t *root, size_t length);

/// A load begun ahead of cebpf_open, before the trace's settings are known.
typedef struct cebpf_start cebpf_start;

/// Begins loading `object` (`size` bytes) for a trace whose ring buffer will have `ring_bytes`: a helper
/// thread, on another CPU, opens a copy of it, reads the kernel's BTF cut down to what it reads (kept for the
/// boot, btf_cache.c) or cuts it, and makes its maps, while the caller goes on setting the trace up (its
/// options, its report's file). Pass it to cebpf_open, which takes it over whatever its outcome, or let it go
/// with cebpf_abandon. NULL where the load cannot be begun here (no BTF, IOTRACE_BPF_WHOLE_BTF=1): cebpf_open
/// then does it all; with one CPU nothing runs ahead. Only the process that began it can open it (a fork's
/// child has no helper thread); until cebpf_open says go, the helper opens nothing a fork could inherit.
cebpf_start *_Nullable cebpf_begin(const void *object, size_t size, uint32_t ring_bytes);

/// Lets go of a load begun and not opened: its helper stopped and joined, its copy closed.
void cebpf_abandon(cebpf_start *_Nullable start);

/// Opens the object (`object`, `size` bytes: an ELF file in memory), sizes its ring buffer and sets its
/// constants (`settings`), loads it (the kernel's verifier; CO-RE relocations against the running
/// kernel's BTF), fills its syscall rows (`rows[i]` for key i) and attaches its raw tracepoints; calls
/// `meanwhile` (if any) once on the way. `begun`: cebpf_begin's, for this object and ring buffer size (else
/// abandoned here), or NULL. On failure returns -errno and writes one line saying why into `reason`, libbpf's own
/// last message included.
int cebpf_open(cebpf_start *_Nullable begun, const void *object, size_t size, struct cebpf_settings settings,
               const struct cebpf_row *rows, size_t row_count, cebpf_meanwhile _Nullable meanwhile,
               void *_Nullable meanwhile_context, cebpf_trace *_Nullable *_Nonnull trace, char *reason,
               size_t reason_capacity);
/// Follows process `pid` (a thread group of one thread, not yet exec'd) and, from then on, its descendants.
int cebpf_follow(cebpf_trace *trace, uint32_t pid);

/// Stops following process `pid` (a daemon left behind): its calls and children are no longer seen.
int cebpf_unfollow(cebpf_trace *trace, uint32_t pid);

/// Arms the guard process cebpf_open made: if the tracer dies before the trace ends, it kills every followed
/// process (the eBPF engine's PTRACE_O_EXITKILL), the programs kept attached meanwhile by the copies of the
/// links this sends it. cebpf_close ends and reaps it.
int cebpf_guard(cebpf_trace *trace);

/// Makes the next cebpf_poll that is waiting when process `pid` (a child of the caller) exits return at once,
/// not at its timeout: the records of a command's end are read as soon as they are all there. -ENOSYS where
/// the kernel has no pidfd (before 5.3): waits then end at their timeout.
int cebpf_wake_on_exit(cebpf_trace *trace, uint32_t pid);

/// Called once per record, in the ring buffer's order; a non-zero return stops this poll.
typedef int (*cebpf_handler)(void *_Nullable context, const void *record, size_t size);

/// Waits up to `timeout_ms` (0: not at all) for the buffer to fill up or the process given to
/// cebpf_wake_on_exit to exit, then gives each record waiting to `handler`. Returns the number of records
/// handled, or -errno (EINTR when a signal came: call again).
int cebpf_poll(cebpf_trace *trace, int timeout_ms, cebpf_handler handler, void *_Nullable context);

/// Stops the thread that takes records out of the ring buffer as it fills up: cebpf_poll takes them all itself
/// from now on. For a trace's end, where nothing more is coming: the process cannot exit (nor cebpf_close free
/// the ring buffer) before that thread has stopped, and waking a thread on an idle CPU takes a while.
void cebpf_stop_draining(cebpf_trace *trace);

/// The program's counters, summed over CPUs, into `values[CEBPF_COUNTERS]`.
int cebpf_counters(cebpf_trace *trace, uint64_t *values);

/// Detaches every program and frees the maps: nothing of this instance stays in the kernel.
void cebpf_close(cebpf_trace *_Nullable trace);

/// From now on, cebpf_close does not wait for the guard's exit, which detaches the programs (the kernel's work
/// at every tracepoint, ~0.4 ms): the process reaps those guards when it exits (atexit), and its last work (a
/// report written) overlaps theirs. Nothing stays attached after the process has exited; until then, a program
/// may still be, for that moment. For a process that exits soon after its traces end (the CLI).
void cebpf_reap_guards_at_exit(void);

/// Raw tracepoint attachment and the BPF syscall itself, probed without loading anything: 0 when a BPF
/// program may be loaded here, else -errno with the reason in `reason` (no BTF, not permitted...).
int cebpf_probe(char *reason, size_t reason_capacity);

#if __has_feature(nullability)
#pragma clang assume_nonnull end
#endif

#endif
