internal import CEBPF
import Kernel
import TraceModel

/// One loaded and attached instance of the eBPF program (`cebpf_*`), with its own maps. Closed on deinit:
/// nothing of it stays attached once the trace is over.
final class BPFProgram {
    /// 1 MiB: room for about 5,000 calls (one record each, about 200 bytes) while nothing reads them. The loader's
    /// drainer thread takes the records out of the buffer as soon as a quarter of it is waiting, a copy at
    /// memory speed, however slowly the reader (a debug build's included) then handles them; a bigger buffer
    /// was only needed while the reader itself emptied it (8 MiB then: a debug build's reader on a busy machine
    /// lost 3 % of RobustnessMemoryTests' 100,000 creates with 4 MiB). The kernel allocates, zeroes and maps
    /// every page at each trace's start: 8 MiB cost about 2 ms of it.
    static let defaultRingBytes = 1 << 20

    private let trace: OpaquePointer

    /// `cebpf_open`: loads the embedded program with `table`'s rows; `.cannotLoad` with libbpf's reason.
    /// `meanwhile` runs once on this thread before any program is loaded (see cebpf_meanwhile),
    /// unless the load failed before.
    /// `environment`: each exec record carries the end of the new program's environment (see
    /// cebpf_settings), for the build tasks processes belong to.
    /// `roots`: the workspace's (normalized, absolute); the program leaves out the calls whose one path is
    /// certainly outside all of them (see certainly_outside in iotrace.bpf.c). None: it leaves nothing out.
    /// `begun`: a load begun ahead for this ring buffer size (see `EBPFLoadAhead`), taken over.
    init(table: SyscallTable, ringBytes: Int, environment: Bool, roots: [[UInt8]] = [], begun: EBPFLoadAhead? = nil,
         meanwhile: () -> Void = {}) throws(EBPFTraceError) {
        let rows = Self.rows(of: table)
        var settings = cebpf_settings_make(UInt32(ringBytes), environment ? 1 : 0)
        for root in roots {
            // An empty root (never a normalized one) has no bytes to point at: its length, 0, turns leaving out off.
            (root.isEmpty ? [0] : root).withUnsafeBufferPointer {
                cebpf_settings_add_root(&settings, $0.baseAddress!, root.count)
            }
        }
        var handle: OpaquePointer?
        var reason = [CChar](repeating: 0, count: 512)
        let object = EmbeddedProgram.object
        let begun = begun?.take()
        let result = withoutActuallyEscaping(meanwhile) { meanwhile in
            var errand = meanwhile
            return withUnsafeMutablePointer(to: &errand) { errand in
                rows.withUnsafeBufferPointer { rows in
                    cebpf_open(begun, object.baseAddress!, object.count, settings, rows.baseAddress!, rows.count,
                               { context in context!.assumingMemoryBound(to: (() -> Void).self).pointee() },
                               errand, &handle, &reason, reason.count)
                }
            }
        }
        guard result == 0, let handle else {
            throw .cannotLoad(String(decoding: reason.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) },
                                     as: UTF8.self))
        }
        trace = handle
    }

    deinit { cebpf_close(trace) }

    /// `cebpf_reap_guards_at_exit`: a trace's end no longer waits for the kernel to detach its programs; the
    /// process does, when it exits.
    static func detachAtExit() { cebpf_reap_guards_at_exit() }

    /// `cebpf_follow`: `pid` and its descendants from now on.
    func follow(_ pid: TaskID) -> Result<Void, Errno> {
        valueOrErrno(cebpf_follow(trace, UInt32(bitPattern: pid))).map { _ in }
    }

    /// `cebpf_unfollow`: `pid` is no longer followed (a daemon the trace leaves behind).
    func unfollow(_ pid: TaskID) {
        _ = cebpf_unfollow(trace, UInt32(bitPattern: pid))
    }

    /// `cebpf_guard`: if this process dies before the trace ends, the followed processes die with it.
    func startGuard() -> Result<Void, Errno> {
        valueOrErrno(cebpf_guard(trace)).map { _ in }
    }

    /// `cebpf_wake_on_exit`: a poll waiting when `pid` exits returns then, not at its timeout. Best effort: a
    /// kernel without pidfds leaves the timeout.
    func wakeOnExit(of pid: TaskID) {
        _ = cebpf_wake_on_exit(trace, UInt32(bitPattern: pid))
    }

    /// `cebpf_poll`: each record waiting (after up to `timeoutMilliseconds`) to `handle`, in order; the
    /// number handled. EINTR (a signal to the tracer) is no error: nothing was handled.
    func poll(timeoutMilliseconds: Int32, _ handle: (UnsafeRawBufferPointer) -> Void) -> Result<Int, Errno> {
        withoutActuallyEscaping(handle) { handle in
            var box = handle
            return withUnsafeMutablePointer(to: &box) { context in
                let result = cebpf_poll(trace, timeoutMilliseconds, { context, record, size in
                    let handle = context!.assumingMemoryBound(to: ((UnsafeRawBufferPointer) -> Void).self).pointee
                    handle(UnsafeRawBufferPointer(start: record, count: size))
                    return 0
                }, context)
                if result == -Errno.interrupted.rawValue { return .success(0) }
                return valueOrErrno(result).map(Int.init)
            }
        }
    }

    /// `cebpf_stop_draining`: nothing more is coming; `poll` takes every record out itself from now on.
    func stopDraining() { cebpf_stop_draining(trace) }

    /// `cebpf_counters`, summed over CPUs.
    func counters() -> EBPFCounters {
        var values = [UInt64](repeating: 0, count: Int(CEBPF_COUNTERS))
        var counters = EBPFCounters()
        guard cebpf_counters(trace, &values) == 0 else { return counters }
        counters.events = Int(values[Int(CEBPF_COUNTER_EVENTS)])
        counters.lost = Int(values[Int(CEBPF_COUNTER_LOST)])
        counters.unreadablePaths = Int(values[Int(CEBPF_COUNTER_UNREADABLE)])
        counters.truncatedPaths = Int(values[Int(CEBPF_COUNTER_TRUNCATED)])
        counters.leftOut = Int(values[Int(CEBPF_COUNTER_OUTSIDE)])
        return counters
    }

    /// The program's rows from the syscall table: the native ABI's, then the compat ABI's (i386 on x86_64).
    /// x32's numbers carry a high bit the program does not look up: x32 programs are not seen (README).
    static func rows(of table: SyscallTable) -> [cebpf_row] {
        let perABI = Int(CEBPF_ROWS_PER_ABI)
        var rows = [cebpf_row](repeating: cebpf_row(), count: 2 * perABI)
        for (slot, abi) in abis(of: table).enumerated() {
            for descriptor in abi.rows where descriptor.number < perABI {
                rows[slot * perABI + Int(descriptor.number)] = row(descriptor)
            }
        }
        return rows
    }

    /// The ABIs the program tells apart, by slot: the native one, then the compat one.
    static func abis(of table: SyscallTable) -> [SyscallABI] {
        let native = table.abis[0]
        let compat = table.abis.first { $0.auditArch != native.auditArch }
        return [native] + (compat.map { [$0] } ?? [])
    }

    private static func row(_ descriptor: SyscallDescriptor) -> cebpf_row {
        let none = UInt8(CEBPF_NO_ARGUMENT)
        func index(_ argument: Int?) -> UInt8 { argument.map(UInt8.init) ?? none }
        var row = cebpf_row(kind: 0, path0: none, dirfd0: none, path1: none, dirfd1: none, flags: none,
                            untraced_argument: none, options: 0, untraced_mask: 0)
        switch descriptor.shape {
        case .open(let dirfd, let path, let flags):
            (row.kind, row.dirfd0, row.path0, row.flags) = (UInt8(CEBPF_ROW_OPEN.rawValue), index(dirfd), index(path),
                                                            index(flags))
        case .openHow(let dirfd, let path, let how):
            (row.kind, row.dirfd0, row.path0, row.flags) = (UInt8(CEBPF_ROW_OPEN_HOW.rawValue), index(dirfd),
                                                            index(path), index(how))
        case .create(let path):
            (row.kind, row.path0) = (UInt8(CEBPF_ROW_OPEN.rawValue), index(path))
        case .path(let dirfd, let path, let effect):
            (row.kind, row.dirfd0, row.path0) = (UInt8(CEBPF_ROW_PATH.rawValue), index(dirfd), index(path))
            // A successful exec replaces the memory and registers its path is in (see CEBPF_ROW_EXEC).
            if effect == .execute { row.options = UInt8(CEBPF_ROW_EXEC) }
        case .descriptor(let fd, _):
            (row.kind, row.dirfd0) = (UInt8(CEBPF_ROW_DESCRIPTOR.rawValue), index(fd))
        case .rename(let fromDirfd, let from, let toDirfd, let to, let flags):
            (row.kind, row.dirfd0, row.path0, row.dirfd1, row.path1, row.flags) =
                (UInt8(CEBPF_ROW_RENAME.rawValue), index(fromDirfd), index(from), index(toDirfd), index(to),
                 index(flags))
        case .ringSetup:
            (row.kind, row.options) = (UInt8(CEBPF_ROW_RESULT.rawValue), UInt8(CEBPF_ROW_SUCCESS_ONLY))
        case .changesDirectories, .changeDirectory, .clone, .clone3:
            // Nothing to capture: relative paths are resolved in the kernel at each call, and every child is
            // followed from the scheduler's fork tracepoint.
            return row
        }
        if let untraced = descriptor.untracedWhen, !untraced.whenClear {
            row.untraced_argument = UInt8(untraced.argument)
            row.untraced_mask = untraced.anyOf
        }
        return row
    }
}

/// A load of the program begun ahead of its trace (`EBPFTracer.beginLoading`, `cebpf_begin`): opened, the kernel's
/// BTF cut down and the maps made on a helper thread while the caller goes on setting up. Taken over by the first
/// trace given it; let go of (`cebpf_abandon`: its thread stopped) when dropped untaken.
public final class EBPFLoadAhead: @unchecked Sendable {
    private var start: OpaquePointer?

    /// Nil where a load cannot be begun here (cebpf_open says why, when the trace loads it itself).
    init?(ringBytes: Int) {
        guard let start = cebpf_begin(EmbeddedProgram.object.baseAddress!, EmbeddedProgram.object.count,
                                      UInt32(ringBytes)) else { return nil }
        self.start = start
    }

    deinit { cebpf_abandon(start) }

    /// The load, for cebpf_open (once).
    func take() -> OpaquePointer? {
        defer { start = nil }
        return start
    }
}
