import Kernel
import TraceModel
/// What an entry decoded to.
enum EntryDecoding {
    /// Not a call the report needs: let it run without an exit stop.
    case ignore
    /// A call the report needs the outcome of.
    case pending(PendingCall)
    /// An open we could not read; if it succeeds, the report counts it as undecoded.
    case undecodable
    /// A call that may change current directories: no directory is cached until its exit.
    case directoryChange
    /// io_uring_setup let through: whether it made a ring is known at its exit.
    case ringSetup

    /// Whether the cwd cache was suspended at this call's entry, to resume at its exit.
    var changesDirectories: Bool {
        switch self {
        case .directoryChange: return true
        case .pending(let pending): return pending.changesDirectories
        case .ignore, .undecodable, .ringSetup: return false
        }
    }
}

/// Decodes the table's calls at syscall entry: path bytes, flags, and the directory a relative path is
/// relative to, all captured now, since the tracee may change them before the exit.
struct Decoder {
    let table: SyscallTable
    private var pathBuffer = [UInt8](repeating: 0, count: TraceeMemory.pathCapacity)
    private var linkBuffer = [UInt8](repeating: 0, count: TraceeMemory.pathCapacity)

    init(table: SyscallTable) { self.table = table }

    /// A path argument, read and made absolute.
    private enum ResolvedPath {
        case path([UInt8])
        /// "": the call works on the dirfd itself (AT_EMPTY_PATH) or fails with ENOENT; nothing to record.
        case empty
        case undecodable

        var absolute: [UInt8]? {
            if case .path(let bytes) = self { return bytes }
            return nil
        }

        var isUndecodable: Bool {
            if case .undecodable = self { return true }
            return false
        }
    }

    mutating func decodeEntry(of task: TaskID, _ call: SyscallFields, builder: ReportBuilder,
                              tasks: inout ProcessTable) -> EntryDecoding {
        guard let (abi, row) = table.lookup(auditArch: call.auditArch, number: call.number) else { return .ignore }
        // What the filter lets through without a stop, ignored when every call is stepped.
        if let untraced = row.untracedWhen, untraced.matches(call.argument(untraced.argument)) { return .ignore }
        func dirfd(_ index: Int?) -> Int32? { index.map { Int32(truncatingIfNeeded: call.argument($0)) } }
        switch row.shape {
        case .open(let dirfdIndex, let pathIndex, let flagsIndex):
            let flags = OpenFlags(raw: call.argument(flagsIndex), bits: abi.flagBits)
            return decodeOpen(task, dirfd: dirfd(dirfdIndex), path: call.argument(pathIndex), flags: flags,
                              builder: builder, tasks: &tasks)
        case .openHow(let dirfdIndex, let pathIndex, let howIndex):
            // struct open_how { __u64 flags; __u64 mode; __u64 resolve; } (linux/openat2.h)
            guard case .success(let raw) = TraceeMemory.readUInt64(task, at: call.argument(howIndex)) else {
                return .undecodable
            }
            return decodeOpen(task, dirfd: dirfd(dirfdIndex), path: call.argument(pathIndex),
                              flags: OpenFlags(raw: raw, bits: abi.flagBits), builder: builder, tasks: &tasks)
        case .create(let pathIndex):
            return decodeOpen(task, dirfd: nil, path: call.argument(pathIndex), flags: .creat, builder: builder,
                              tasks: &tasks)
        case .changesDirectories:
            tasks.beginDirectoryChange()
            return .directoryChange
        case .ringSetup:
            return .ringSetup
        case .path(let dirfdIndex, let pathIndex, let effect):
            return decodePath(task, dirfd: dirfd(dirfdIndex), path: call.argument(pathIndex), effect: effect,
                              builder: builder, tasks: &tasks)
        case .descriptor(let fdIndex, let effect):
            return decodeDescriptor(task, fd: Int32(truncatingIfNeeded: call.argument(fdIndex)), effect: effect,
                                    builder: builder)
        case .rename(let fromDirfd, let fromIndex, let toDirfd, let toIndex, let flagsIndex):
            let exchange = flagsIndex.map { call.argument($0) & ArgumentShape.renameExchange != 0 } ?? false
            return decodeRename(task, from: (dirfd(fromDirfd), call.argument(fromIndex)),
                                to: (dirfd(toDirfd), call.argument(toIndex)), exchange: exchange, builder: builder,
                                tasks: &tasks)
        }
    }

    /// open, openat, openat2, creat: classified by their flags.
    private mutating func decodeOpen(_ task: TaskID, dirfd: Int32?, path address: UInt64, flags: OpenFlags,
                                     builder: ReportBuilder, tasks: inout ProcessTable) -> EntryDecoding {
        switch resolve(task, dirfd: dirfd, at: address, tasks: &tasks) {
        // An empty path fails with ENOENT (open has no AT_EMPTY_PATH): not a name that is missing.
        case .empty: return .ignore
        case .undecodable:
            // Neither a read nor a write if it succeeds: nothing lost.
            return AccessClassifier.classify(flags).isEmpty ? .ignore : .undecodable
        case .path(let absolute):
            guard let pending = builder.pending(path: absolute, flags: flags) else { return .ignore }
            return .pending(pending)
        }
    }

    /// A call on one path; an exec adds the `#!` interpreters it will run.
    private mutating func decodePath(_ task: TaskID, dirfd: Int32?, path address: UInt64, effect: PathEffect,
                                     builder: ReportBuilder, tasks: inout ProcessTable) -> EntryDecoding {
        switch resolve(task, dirfd: dirfd, at: address, tasks: &tasks) {
        case .empty: return .ignore
        case .undecodable: return .undecodable
        case .path(let absolute):
            let pending: PendingCall?
            if effect == .execute {
                // Read now, at the entry, before the new program can change the files.
                pending = builder.pendingExec(of: absolute) {
                    guard case .success(let directory) = currentDirectory(of: task, tasks: &tasks) else { return nil }
                    return directory
                }
            } else {
                pending = builder.pending(path: absolute, effect: effect)
            }
            guard let pending else { return .ignore }
            return .pending(pending)
        }
    }

    /// A call on an open descriptor: the path is what /proc shows for it now, at the entry.
    private mutating func decodeDescriptor(_ task: TaskID, fd: Int32, effect: PathEffect,
                                           builder: ReportBuilder) -> EntryDecoding {
        // Not a directory (or a deleted one, shown with " (deleted)"): the call fails or names no path.
        guard fd >= 0, case .success(let target) = ProcFS.descriptorTarget(of: task, fd: fd, buffer: &linkBuffer),
              PathResolver.isAbsolute(target),
              let pending = builder.pending(path: PathResolver.normalize(target[...]), effect: effect) else {
            return .ignore
        }
        return .pending(pending)
    }

    /// A rename: both paths resolved before the cwd cache is suspended (the rename has not happened yet),
    /// each against its own dirfd.
    private mutating func decodeRename(_ task: TaskID, from: (dirfd: Int32?, address: UInt64),
                                       to: (dirfd: Int32?, address: UInt64), exchange: Bool,
                                       builder: ReportBuilder, tasks: inout ProcessTable) -> EntryDecoding {
        let from = resolve(task, dirfd: from.dirfd, at: from.address, tasks: &tasks)
        let to = resolve(task, dirfd: to.dirfd, at: to.address, tasks: &tasks)
        var pending = builder.pendingRename(from: from.absolute, to: to.absolute, exchange: exchange)
        pending.undecoded = from.isUndecodable || to.isUndecodable
        pending.changesDirectories = true
        tasks.beginDirectoryChange()
        return .pending(pending)
    }

    /// The task's current directory: cached while no directory change is in flight, else from /proc.
    private mutating func currentDirectory(of task: TaskID, tasks: inout ProcessTable) -> Result<[UInt8], Errno> {
        if let cached = tasks.cachedDirectory(of: task) { return .success(cached) }
        let directory = ProcFS.currentDirectory(of: task, buffer: &linkBuffer)
        if case .success(let path) = directory { tasks.cacheDirectory(path, for: task) }
        return directory
    }

    /// Reads the path at `address` and makes it absolute: against `dirfd` (nil or AT_FDCWD: the current
    /// directory, cached while no directory change is in flight).
    private mutating func resolve(_ task: TaskID, dirfd: Int32?, at address: UInt64,
                                  tasks: inout ProcessTable) -> ResolvedPath {
        guard case .success(let length) = TraceeMemory.readPath(task, at: address, into: &pathBuffer) else {
            return .undecodable
        }
        if length == 0 { return .empty }
        let path = pathBuffer[0..<length]
        if PathResolver.isAbsolute(path) { return .path(PathResolver.normalize(path)) }
        let base: Result<[UInt8], Errno>
        if let dirfd, dirfd != ArgumentShape.atFDCWD {
            base = ProcFS.descriptorTarget(of: task, fd: dirfd, buffer: &linkBuffer)
        } else {
            base = currentDirectory(of: task, tasks: &tasks)
        }
        // A descriptor that is not a directory reads as "pipe:[…]" or similar; the call fails with
        // ENOTDIR, and if it somehow does not, the exit counts it as undecoded.
        guard case .success(let directory) = base, PathResolver.isAbsolute(directory) else { return .undecodable }
        return .path(PathResolver.resolve(path, against: directory))
    }
}
