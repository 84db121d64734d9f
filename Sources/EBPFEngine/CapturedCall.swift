import Kernel
import TraceModel

/// One traced syscall as the eBPF program saw it, read at its exit (an exec's at sched_prepare_exec): its
/// arguments, its result. Paths are bytes as the task passed them, with the directory a relative one is relative
/// to, resolved by the program in the kernel (the task's cwd, or its dirfd's file), as SPEC's path rules ask.
package struct CapturedCall: Sendable, Equatable {
    /// One path argument.
    package enum PathArgument: Sendable, Equatable {
        /// The bytes as passed; `base` is the absolute directory a relative path is relative to (nil: absolute).
        case path([UInt8], base: [UInt8]?)
        /// "" : the call works on a dirfd (AT_EMPTY_PATH) or fails with ENOENT; names nothing.
        case empty
        /// The string could not be read from the task's memory, or its base directory could not be known.
        case unreadable

        /// Absolute and lexically normalized; nil when there is no path to name.
        var absolute: [UInt8]? {
            guard case .path(let bytes, let base) = self else { return nil }
            if PathResolver.isAbsolute(bytes) { return PathResolver.normalize(bytes[...]) }
            guard let base, PathResolver.isAbsolute(base) else { return nil }
            return PathResolver.resolve(bytes[...], against: base)
        }
    }

    package var process: TaskID
    package var task: TaskID
    package var auditArch: UInt32
    package var number: UInt64
    /// The syscall's return value: -errno on failure.
    package var result: Int64
    /// The flags argument the shape names (open flags, open_how.flags, rename flags), raw.
    package var flags: UInt64
    package var first: PathArgument
    package var second: PathArgument
    /// A successful open whose descriptor is a directory.
    package var openedDirectory: Bool

    package init(process: TaskID, task: TaskID, auditArch: UInt32, number: UInt64, result: Int64, flags: UInt64,
                 first: PathArgument, second: PathArgument = .empty, openedDirectory: Bool = false) {
        self.process = process
        self.task = task
        self.auditArch = auditArch
        self.number = number
        self.result = result
        self.flags = flags
        self.first = first
        self.second = second
        self.openedDirectory = openedDirectory
    }

    var failure: Errno? { result < 0 ? Errno(Int32(truncatingIfNeeded: -result)) : nil }
}

/// Gives captured calls to the report builder the way the ptrace engine's decoder and exit stop do: the same
/// table rows, the same `ReportBuilder.pending` calls, the same rules for what is left out.
package struct CallRecorder {
    package let table: SyscallTable
    /// Successful calls whose path could not be known: the report warns with their count.
    package private(set) var undecoded = 0
    /// io_uring instances set up (only when allowed).
    package private(set) var ringsSetUp = 0

    /// Where each recorded call goes as it happens (`--events`), besides the report.
    package var events: (any EventSink)?

    package init(table: SyscallTable) { self.table = table }

    /// Records `pending` (the call `row` made) into the builder and the event stream alike.
    private func commit(_ pending: PendingCall, _ row: SyscallDescriptor, _ call: CapturedCall,
                        into builder: inout ReportBuilder, openedDirectory: Bool = false, process: Int?) {
        var pending = pending
        pending.syscall = row.name
        builder.record(pending, failure: call.failure, openedDirectory: openedDirectory, process: process)
        guard let events else { return }
        for event in TraceEvent.events(of: pending, failure: call.failure, openedDirectory: openedDirectory,
                                       pid: call.process, tid: call.task) {
            events.record(event)
        }
    }

    /// Records one call. `process` is its process number when the report attributes accesses; `directory`
    /// gives a task's current directory where a `#!` interpreter is named relatively.
    package mutating func record(_ call: CapturedCall, into builder: inout ReportBuilder, process: Int?,
                                 directory: (TaskID) -> [UInt8]?) {
        guard let (abi, row) = table.lookup(auditArch: call.auditArch, number: call.number) else { return }
        let failure = call.failure
        switch row.shape {
        case .open, .openHow, .create:
            let flags: OpenFlags
            if case .create = row.shape {
                flags = .creat
            } else {
                flags = OpenFlags(raw: call.flags, bits: abi.flagBits)
            }
            guard let path = call.first.absolute else {
                // Unreadable and neither a read nor a write: nothing lost (as the ptrace decoder decides).
                if call.first == .unreadable, failure == nil, !AccessClassifier.classify(flags).isEmpty {
                    undecoded += 1
                }
                return
            }
            guard let pending = builder.pending(path: path, flags: flags) else { return }
            commit(pending, row, call, into: &builder,
                   openedDirectory: failure == nil && pending.listIfDirectory && call.openedDirectory, process: process)
        case .path(_, _, let effect):
            guard let path = call.first.absolute else {
                if call.first == .unreadable, failure == nil { undecoded += 1 }
                return
            }
            let pending = effect == .execute && failure == nil
                ? builder.pendingExec(of: path) { directory(call.task) }
                : builder.pending(path: path, effect: effect)
            if let pending { commit(pending, row, call, into: &builder, process: process) }
        case .descriptor(_, let effect):
            // The program resolved the descriptor's path; a descriptor that names no path is left out.
            guard let path = call.first.absolute, let pending = builder.pending(path: path, effect: effect) else {
                return
            }
            commit(pending, row, call, into: &builder, process: process)
        case .rename(_, _, _, _, let flagsIndex):
            let exchange = flagsIndex != nil && call.flags & ArgumentShape.renameExchange != 0
            let pending = builder.pendingRename(from: call.first.absolute, to: call.second.absolute,
                                                exchange: exchange)
            if failure == nil, call.first == .unreadable || call.second == .unreadable { undecoded += 1 }
            commit(pending, row, call, into: &builder, process: process)
        case .ringSetup:
            if failure == nil { ringsSetUp += 1 }
        case .changesDirectories, .changeDirectory, .clone, .clone3:
            // The program resolves every relative path against the kernel's own view at the call (no cwd to
            // track), and follows every child, CLONE_UNTRACED or not (it has no tracer to escape).
            break
        }
    }
}
