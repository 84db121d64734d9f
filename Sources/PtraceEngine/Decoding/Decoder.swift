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
    /// chdir to `path` (absolute, lexically resolved; nil when unreadable): at its exit, if /proc cannot name
    /// the new current directory (longer than a page), it is known by this name from then on.
    case enterDirectory([UInt8]?)
    /// An open of a path too long for /proc to give back (`Decoder.procNameLimit`): at its exit, a directory
    /// it opened is known by this name, for the calls that will use the descriptor; `pending` as `.pending`.
    case openLongPath([UInt8], PendingCall?)
    /// A call relative to a directory whose name /proc cannot give and the trace never learned: if it
    /// succeeds, the report warns that a path is missing from it.
    case unresolvable

    /// Whether the cwd cache was suspended at this call's entry, to resume at its exit.
    var changesDirectories: Bool {
        switch self {
        case .directoryChange, .enterDirectory: return true
        case .pending(let pending): return pending.changesDirectories
        case .ignore, .undecodable, .ringSetup, .openLongPath, .unresolvable: return false
        }
    }
}

/// Decodes the table's calls at syscall entry: path bytes, flags, and the directory a relative path is
/// relative to, all captured now, since the tracee may change them before the exit.
struct Decoder {
    let table: SyscallTable
    private var pathBuffer = [UInt8](repeating: 0, count: TraceeMemory.pathCapacity)
    private var linkBuffer = [UInt8](repeating: 0, count: TraceeMemory.pathCapacity)
    /// clone/clone3 calls with CLONE_UNTRACED whose flags could not be rewritten: children the trace misses.
    private(set) var unfollowedClones = 0
    /// Directories whose absolute name is too long for /proc to give (readlink of /proc/TID/cwd or
    /// /proc/TID/fd/N fails with ENAMETOOLONG), by identity, named from the chdir or open that reached them.
    /// The identity, which stat(2) of the same /proc link still gives, finds the name wherever the directory
    /// is used next: as a current directory, a dirfd, a descriptor inherited or dup'ed. Holds only such
    /// directories, so it stays empty in ordinary runs.
    private var longDirectories: [DirectoryIdentity: [UInt8]] = [:]
    /// d_path works in one page, its NUL included: a name of this many bytes or more cannot be read back.
    static let procNameLimit = TraceeMemory.pathCapacity

    init(table: SyscallTable) { self.table = table }

    /// A path argument, read and made absolute.
    private enum ResolvedPath {
        case path([UInt8])
        /// "": the call works on the dirfd itself (AT_EMPTY_PATH) or fails with ENOENT; nothing to record.
        case empty
        case undecodable
        /// Relative to a directory longer than /proc can name, which the trace did not see reached.
        case unresolvable

        var absolute: [UInt8]? {
            if case .path(let bytes) = self { return bytes }
            return nil
        }

        var isUndecodable: Bool {
            switch self {
            case .undecodable, .unresolvable: return true
            case .path, .empty: return false
            }
        }
    }

    mutating func decodeEntry(of task: TaskID, _ call: SyscallFields, builder: ReportBuilder,
                              tasks: inout ProcessTable) -> EntryDecoding {
        guard let (abi, row) = table.lookup(auditArch: call.auditArch, number: call.number) else { return .ignore }
        // What the filter lets through without a stop, ignored when every call is stepped.
        if let untraced = row.untracedWhen, untraced.matches(call.argument(untraced.argument)) { return .ignore }
        // The call's name goes with what the report may record, for the event stream.
        switch decodeEntry(of: task, call, abi: abi, row: row, builder: builder, tasks: &tasks) {
        case .pending(var pending):
            pending.syscall = row.name
            return .pending(pending)
        case .openLongPath(let path, var pending?):
            pending.syscall = row.name
            return .openLongPath(path, pending)
        case let other:
            return other
        }
    }

    private mutating func decodeEntry(of task: TaskID, _ call: SyscallFields, abi: SyscallABI,
                                      row: SyscallDescriptor, builder: ReportBuilder,
                                      tasks: inout ProcessTable) -> EntryDecoding {
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
        case .changeDirectory(let pathIndex):
            // Resolved before the cache is suspended: against the directory the task is leaving.
            let target = resolve(task, dirfd: nil, at: call.argument(pathIndex), tasks: &tasks).absolute
            tasks.beginDirectoryChange()
            return .enterDirectory(target)
        case .ringSetup:
            return .ringSetup
        case .clone(let flagsIndex):
            followUntracedClone(task, call, flags: flagsIndex)
            return .ignore
        case .clone3(let argsIndex):
            followUntracedClone3(task, args: call.argument(argsIndex))
            return .ignore
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

    /// clone with CLONE_UNTRACED: the bit cleared in the flags register before the kernel reads it, so that
    /// PTRACE_O_TRACECLONE/FORK/VFORK attach the child as they attach any other (kernel/fork.c, kernel_clone:
    /// "if (!(clone_flags & CLONE_UNTRACED))"). Untraced, the child would run under the command's seccomp
    /// filter with no tracer, and every call the filter traces would fail with ENOSYS.
    private mutating func followUntracedClone(_ task: TaskID, _ call: SyscallFields, flags index: Int) {
        let flags = call.argument(index)
        guard flags & UInt64(ArgumentShape.cloneUntraced) != 0 else { return }
        let cleared = flags & ~UInt64(ArgumentShape.cloneUntraced)
        if case .failure = Ptrace.setSyscallArgument(task, auditArch: call.auditArch, index: index, to: cleared) {
            unfollowedClones += 1
        }
    }

    /// clone3: the flags are the first field of struct clone_args (linux/sched.h), which the kernel copies in
    /// after this stop (copy_clone_args_from_user). The program's own copy keeps the bit cleared after the
    /// call: the only trace the tracer leaves, in a struct the kernel never writes back.
    private mutating func followUntracedClone3(_ task: TaskID, args address: UInt64) {
        guard case .success(let flags) = TraceeMemory.readUInt64(task, at: address) else { return }
        guard flags & UInt64(ArgumentShape.cloneUntraced) != 0 else { return }
        let cleared = flags & ~UInt64(ArgumentShape.cloneUntraced)
        if case .failure = TraceeMemory.writeUInt64(task, at: address, cleared.littleEndian) {
            unfollowedClones += 1
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
        case .unresolvable:
            return AccessClassifier.classify(flags).isEmpty ? .ignore : .unresolvable
        case .path(let absolute):
            let pending = builder.pending(path: absolute, flags: flags)
            // It may open a directory the calls to come name only by descriptor: its name must be kept.
            if absolute.count >= Self.procNameLimit { return .openLongPath(absolute, pending) }
            guard let pending else { return .ignore }
            return .pending(pending)
        }
    }

    /// A call on one path; an exec adds the `#!` interpreters it will run.
    private mutating func decodePath(_ task: TaskID, dirfd: Int32?, path address: UInt64, effect: PathEffect,
                                     builder: ReportBuilder, tasks: inout ProcessTable) -> EntryDecoding {
        switch resolve(task, dirfd: dirfd, at: address, tasks: &tasks) {
        case .empty: return .ignore
        case .undecodable: return .undecodable
        case .unresolvable: return .unresolvable
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
        guard fd >= 0, case .success(let target) = descriptorDirectory(of: task, fd: fd),
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

    /// The task's current directory: cached while no directory change is in flight, else from /proc, else
    /// (a name longer than /proc gives) by the name the trace learned for it.
    private mutating func currentDirectory(of task: TaskID, tasks: inout ProcessTable) -> Result<[UInt8], Errno> {
        if let cached = tasks.cachedDirectory(of: task) { return .success(cached) }
        var directory = ProcFS.currentDirectory(of: task, buffer: &linkBuffer)
        if case .failure(.nameTooLong) = directory {
            directory = longName(of: ProcFS.directoryIdentity(of: task, fd: nil))
        }
        if case .success(let path) = directory { tasks.cacheDirectory(path, for: task) }
        return directory
    }

    /// What a descriptor refers to: /proc/TID/fd/N, else (a name longer than /proc gives) the name the trace
    /// learned for that directory.
    private mutating func descriptorDirectory(of task: TaskID, fd: Int32) -> Result<[UInt8], Errno> {
        let target = ProcFS.descriptorTarget(of: task, fd: fd, buffer: &linkBuffer)
        guard case .failure(.nameTooLong) = target else { return target }
        return longName(of: ProcFS.directoryIdentity(of: task, fd: fd))
    }

    /// ENAMETOOLONG stays the error when the directory was never learned: the caller's to report.
    private func longName(of identity: DirectoryIdentity?) -> Result<[UInt8], Errno> {
        guard let identity, let name = longDirectories[identity] else { return .failure(.nameTooLong) }
        return .success(name)
    }

    /// At the exit of a successful chdir to `path`: when /proc cannot name the new current directory, it is
    /// `path`, resolved lexically at the entry against the directory the task left (a symbolic link in the
    /// argument keeps its name there, where /proc would show its target).
    mutating func enteredDirectory(_ task: TaskID, _ path: [UInt8], tasks: inout ProcessTable) {
        switch ProcFS.currentDirectory(of: task, buffer: &linkBuffer) {
        case .success(let directory):
            tasks.cacheDirectory(directory, for: task)
        case .failure(.nameTooLong):
            guard let identity = ProcFS.directoryIdentity(of: task, fd: nil) else { return }
            longDirectories[identity] = path
            tasks.cacheDirectory(path, for: task)
        case .failure:
            break
        }
    }

    /// At the exit of a successful open of `path`, a name /proc cannot give: if the descriptor is a directory,
    /// it is known by this name.
    mutating func openedLongPath(_ task: TaskID, fd: Int32, _ path: [UInt8]) {
        guard let identity = ProcFS.directoryIdentity(of: task, fd: fd) else { return }
        longDirectories[identity] = path
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
            base = descriptorDirectory(of: task, fd: dirfd)
        } else {
            base = currentDirectory(of: task, tasks: &tasks)
        }
        if case .failure(.nameTooLong) = base { return .unresolvable }
        // A descriptor that is not a directory reads as "pipe:[…]" or similar; the call fails with
        // ENOTDIR, and if it somehow does not, the exit counts it as undecoded.
        guard case .success(let directory) = base, PathResolver.isAbsolute(directory) else { return .undecodable }
        return .path(PathResolver.resolve(path, against: directory))
    }
}
