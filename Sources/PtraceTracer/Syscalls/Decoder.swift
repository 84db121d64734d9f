/// What an entry decoded to.
enum EntryDecoding {
    /// Not a call the report needs: let it run without an exit stop.
    case ignore
    /// An open the report needs if it succeeds.
    case pending(PendingCall)
    /// An open we could not read; if it succeeds, the report counts it as undecoded.
    case undecodable
    /// A call that may change current directories: no directory is cached until its exit.
    case directoryChange
}

/// Decodes open, openat, openat2 and creat at syscall entry: path bytes, flags, and the directory a
/// relative path is relative to, all captured now, since the tracee may change them before the exit.
struct Decoder {
    let table: SyscallTable
    private var pathBuffer = [UInt8](repeating: 0, count: TraceeMemory.pathCapacity)
    private var linkBuffer = [UInt8](repeating: 0, count: TraceeMemory.pathCapacity)

    init(table: SyscallTable) { self.table = table }

    /// AT_FDCWD (fcntl.h). The kernel reads dirfd as an int: compare the low 32 bits, since a 32-bit
    /// task's -100 arrives zero-extended and a 64-bit one's sign-extended.
    static let atFDCWD: Int32 = -100

    mutating func decodeEntry(of task: TaskID, _ call: SyscallFields, builder: ReportBuilder,
                              tasks: inout ProcessTable) -> EntryDecoding {
        guard let (abi, row) = table.lookup(auditArch: call.auditArch, number: call.number) else { return .ignore }
        let flags: OpenFlags
        let dirfd: Int32?
        let pathAddress: UInt64
        switch row.shape {
        case .open(let dirfdIndex, let pathIndex, let flagsIndex):
            flags = OpenFlags(raw: call.argument(flagsIndex), bits: abi.flagBits)
            dirfd = dirfdIndex.map { Int32(truncatingIfNeeded: call.argument($0)) }
            pathAddress = call.argument(pathIndex)
        case .openHow(let dirfdIndex, let pathIndex, let howIndex):
            // struct open_how { __u64 flags; __u64 mode; __u64 resolve; } (linux/openat2.h)
            guard case .success(let raw) = TraceeMemory.readUInt64(task, at: call.argument(howIndex)) else {
                return .undecodable
            }
            flags = OpenFlags(raw: raw, bits: abi.flagBits)
            dirfd = Int32(truncatingIfNeeded: call.argument(dirfdIndex))
            pathAddress = call.argument(pathIndex)
        case .create(let pathIndex):
            flags = .creat
            dirfd = nil
            pathAddress = call.argument(pathIndex)
        case .changesDirectories:
            tasks.beginDirectoryChange()
            return .directoryChange
        }
        // Neither a read nor a write whatever the path: no need to read it.
        if AccessClassifier.classify(flags).isEmpty { return .ignore }

        guard case .success(let length) = TraceeMemory.readPath(task, at: pathAddress, into: &pathBuffer) else {
            return .undecodable
        }
        // An empty path fails with ENOENT (open has no AT_EMPTY_PATH).
        if length == 0 { return .ignore }
        let path = pathBuffer[0..<length]
        let absolute: [UInt8]
        if PathResolver.isAbsolute(path) {
            absolute = PathResolver.normalize(path)
        } else {
            let base: Result<[UInt8], Errno>
            if let dirfd, dirfd != Self.atFDCWD {
                base = ProcFS.descriptorTarget(of: task, fd: dirfd, buffer: &linkBuffer)
            } else if let cached = tasks.cachedDirectory(of: task) {
                base = .success(cached)
            } else {
                base = ProcFS.currentDirectory(of: task, buffer: &linkBuffer)
                if case .success(let directory) = base { tasks.cacheDirectory(directory, for: task) }
            }
            // A descriptor that is not a directory reads as "pipe:[…]" or similar; the call fails with
            // ENOTDIR, and if it somehow does not, the exit counts it as undecoded.
            guard case .success(let directory) = base, PathResolver.isAbsolute(directory) else {
                return .undecodable
            }
            absolute = PathResolver.resolve(path, against: directory)
        }
        guard let pending = builder.pending(path: absolute, flags: flags) else { return .ignore }
        return .pending(pending)
    }
}
