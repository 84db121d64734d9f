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
    /// clone/clone3 calls with CLONE_UNTRACED whose flags could not be rewritten: children the trace misses.
    private(set) var unfollowedClones = 0

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
            var pending = builder.pending(path: absolute, effect: effect)
            if effect == .execute {
                addInterpreters(of: absolute, task, builder: builder, tasks: &tasks, to: &pending)
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

    /// An exec of a script runs its `#!` interpreter, which the kernel opens itself (fs/binfmt_script.c),
    /// and an interpreter may be a script in turn: each one inside the workspace is executed too if the exec
    /// succeeds. Read now, at the entry, before the new program can change the files. A relative name is
    /// the kernel's to resolve against the current directory (open_exec with AT_FDCWD), whatever dirfd
    /// execveat was given.
    private mutating func addInterpreters(of program: [UInt8], _ task: TaskID, builder: ReportBuilder,
                                          tasks: inout ProcessTable, to pending: inout PendingCall?) {
        var file = program
        for _ in 0..<Shebang.maximumDepth {
            guard let head = FileHead.bytes(of: file, count: Shebang.headLength),
                  let name = Shebang.interpreter(in: head) else { return }
            if PathResolver.isAbsolute(name) {
                file = PathResolver.normalize(name)
            } else {
                guard case .success(let directory) = currentDirectory(of: task, tasks: &tasks),
                      PathResolver.isAbsolute(directory) else { return }
                file = PathResolver.resolve(name, against: directory)
            }
            if let interpreter = builder.pending(path: file, effect: .execute) {
                // The program itself may be outside the workspace and its interpreter inside.
                var combined = pending ?? PendingCall(onSuccess: [], missingOnFailure: nil)
                combined.onSuccess += interpreter.onSuccess
                pending = combined
            }
        }
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
