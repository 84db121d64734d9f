import TraceModel
import Kernel
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// strace's record of the calls the syscall table decodes, parsed into the same events the native tracer feeds
/// its `ReportBuilder`, so that one builder (one classifier) turns either into a report and the two can be
/// compared key by key (SPEC: `compare`).
///
/// The input is the text of
///
///     strace -f -qq -xx -y -e trace=TRACESET -o LOG COMMAND
///
/// (`StraceLog.straceOptions(log:)`), where TRACESET is `StraceLog.traceSet`: every call of this machine's
/// syscall tables that takes a path or a descriptor, chdir and fchdir, and the calls that create processes.
/// The parser also reads what other common options change: no `-f` (no pid column) or `-f` to stderr
/// (`[pid N]`), `-t`/`-tt`/`-ttt`/`-r` timestamps, `-T` durations, no `-y`, `-x` or no `-x` (octal and C
/// escapes), `-X raw`/`-X verbose` flags, other traced syscalls (skipped), and smaller trace sets (an
/// open-only log gives the open-only part of the report).
///
/// What each call means is the table's own argument shape (`SyscallTable.native`, looked up by name), so the
/// parser and the tracer read the same positions, and it is recorded through the same `ReportBuilder` calls
/// the tracer makes (`record(into:)`). Where a log cannot say what the tracer sees, the parser decides so:
///
/// - `newfstatat`, `fstatat64` and `statx` with `AT_EMPTY_PATH` in their flags are fstat in disguise, which
///   the tracer's seccomp filter lets through untraced: they are skipped whatever their path.
/// - The command's own start, strace's exec of it (the first pid's execs up to its first successful one), is
///   not `executed`: the tracer leaves out its own spawn of the command the same way.
/// - A read-only open without `O_DIRECTORY` is a listing, not a read, when what it opened is a directory; the
///   tracer asks the kernel at the call's exit. A log cannot tell, so `record(into:)` asks the file system
///   afterwards (`stat`, which follows a final symlink as the open did), and only for paths inside the
///   workspace, as the tracer does. A directory removed before that check counts as a read.
///
/// Which path a call is reported under (SPEC: Paths), in order:
///
/// 1. An absolute path argument, lexically normalized.
/// 2. A relative one joined lexically to the directory strace decoded for its `dirfd` with `-y`:
///    `3</work/dir>`, or `AT_FDCWD</work>` (strace 6.1 prints the caller's cwd there). These are read from
///    /proc/PID/fd/N and /proc/PID/cwd, the same as the native tracer reads, so the result is exactly SPEC's.
/// 3. A relative path against the current directory, for calls with no dirfd (`stat`, `mkdir`, `rename`...):
///    the caller's cwd as the log last showed it (an `AT_FDCWD</cwd>` of the same process, or of one that
///    shares it through `CLONE_FS`), moved by its `chdir` (lexically) and `fchdir` (`-y`'s path), and
///    inherited by a child from its parent at the `clone`, `clone3`, `fork` or `vfork` that made it.
/// 4. For opens, the path `-y` decoded for the returned descriptor, `= 3</work/dir/file>`: the kernel's own
///    resolution, always right about the cwd, but with every symlink resolved, so a file opened through a
///    link in the relative path is reported under its target's name where SPEC reports the link's.
/// 5. `initialDirectory`, when given, for a relative path against the cwd of a process whose cwd the log never
///    showed (moved by its `chdir`s): the command's starting directory.
/// 6. Otherwise the call is not reported and an `.unresolvedPath` issue names its line.
public struct StraceLog: Sendable {
    /// A syscall's name as strace prints it.
    public struct Syscall: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let open = Syscall(rawValue: "open")
        public static let openat = Syscall(rawValue: "openat")
        public static let openat2 = Syscall(rawValue: "openat2")
        public static let creat = Syscall(rawValue: "creat")
    }

    /// What a relative path argument is relative to, as strace printed it.
    public enum Directory: Sendable, Equatable {
        /// The caller's cwd: `AT_FDCWD` (with `-y`, `AT_FDCWD</cwd>`), or a call with no dirfd (none printed).
        case currentDirectory(decoded: [UInt8]?)
        /// A numeric `dirfd`, and what `-y` decoded it to (`3</dir>`), if anything.
        case descriptor(Int32, decoded: [UInt8]?)

        var decoded: [UInt8]? {
            switch self {
            case .currentDirectory(let decoded), .descriptor(_, let decoded): return decoded
            }
        }
    }

    /// How a call returned.
    public enum Outcome: Sendable, Equatable {
        /// `= 3`, or with `-y` `= 3</abs/path>`; any value that is not an error (`= 0`, a byte count, a pid).
        case descriptor(Int32, decoded: [UInt8]?)
        /// `= -1 ENOENT (No such file or directory)`; the errno's name, or "" when strace printed none.
        case failed(String)
        /// `= ?`: the task left the call without a result (killed, or `ERESTARTSYS` and the like).
        case unknown
    }

    /// A path argument and the directory it is relative to.
    public struct PathArgument: Sendable, Equatable {
        public var directory: Directory
        public var path: [UInt8]

        public init(directory: Directory, path: [UInt8]) {
            self.directory = directory
            self.path = path
        }
    }

    /// What a call's flags say beyond its open flags.
    public struct Options: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// `AT_EMPTY_PATH` in a stat's flags: an fstat of `dirfd`, which the tracer does not trace.
        public static let emptyPath = Options(rawValue: 1)
        /// `RENAME_EXCHANGE`: both names written, none deleted.
        public static let exchange = Options(rawValue: 2)
        /// `CLONE_FS`: the new task shares its parent's current directory.
        public static let sharesDirectory = Options(rawValue: 4)
    }

    /// One call of the trace set whose path argument strace printed as a string (or, for getdents and fchdir,
    /// whose descriptor it printed; for the process-creating calls, any).
    public struct Call: Sendable, Equatable {
        /// The 1-based line the call starts on (its `<unfinished ...>` line when it was split).
        public var line: Int
        /// The pid column, when the log has one (`-f`).
        public var pid: TaskID?
        public var syscall: Syscall
        /// What `path` is relative to; for getdents and fchdir the descriptor itself (and `path` is empty).
        public var directory: Directory
        /// The path argument the table's shape names (a rename's old name, a link's new name), unescaped.
        public var path: [UInt8]
        /// The open flags of the open family; `O_RDONLY` for other calls.
        public var flags: OpenFlags
        /// A rename's new name.
        public var target: PathArgument?
        public var options: Options
        public var outcome: Outcome

        public init(line: Int, pid: TaskID?, syscall: Syscall, directory: Directory, path: [UInt8], flags: OpenFlags,
                    target: PathArgument? = nil, options: Options = [], outcome: Outcome) {
            self.line = line
            self.pid = pid
            self.syscall = syscall
            self.directory = directory
            self.path = path
            self.flags = flags
            self.target = target
            self.options = options
            self.outcome = outcome
        }

        public var succeeded: Bool {
            if case .descriptor = outcome { return true }
            return false
        }
    }

    /// What a call gives the report builder: the calls the tracer makes at a syscall's exit, with absolute
    /// paths. `failure` is nil when the call succeeded.
    public enum Event: Sendable, Equatable {
        /// An open of any kind (`ReportBuilder.pending(path:flags:)`).
        case open(path: [UInt8], flags: OpenFlags, failure: Errno?)
        /// A call on one path (`ReportBuilder.pending(path:effect:)`); getdents's path is its descriptor's.
        case path(path: [UInt8], effect: PathEffect, failure: Errno?)
        /// A rename (`ReportBuilder.pendingRename`); a side is nil when its path was empty.
        case rename(from: [UInt8]?, to: [UInt8]?, exchange: Bool, failure: Errno?)
    }

    /// A line the parser could not use. The rest of the log is still read.
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        public enum Reason: Sendable, Equatable {
            /// Not strace's grammar; the text says what was expected where.
            case malformed(String)
            /// `<... NAME resumed>` with no `<unfinished ...>` of that pid before it, or of another call.
            case resumedWithoutStart(String)
            /// An `<unfinished ...>` call of a pid that printed nothing more before the log ended (or before
            /// its next call started).
            case neverResumed(String)
            /// A call that would change the report, whose path strace truncated (`"..."...`).
            case truncatedPath
            /// A call that would change the report, of a relative path with nothing to resolve it against (see
            /// the type's documentation): run strace with `-y`, or pass `initialDirectory`.
            case unresolvedPath
        }

        public var line: Int
        public var reason: Reason

        public init(line: Int, reason: Reason) {
            self.line = line
            self.reason = reason
        }

        public var description: String {
            switch reason {
            case .malformed(let detail): return "line \(line): not a line strace prints: \(detail)"
            case .resumedWithoutStart(let name): return "line \(line): \(name) resumed, but never started"
            case .neverResumed(let name): return "line \(line): \(name) started, but never resumed"
            case .truncatedPath: return "line \(line): strace truncated the path"
            case .unresolvedPath:
                return "line \(line): a relative path with no directory to resolve it against (run strace with -y)"
            }
        }
    }

    // MARK: - The trace set

    /// How the parser reads a call, by name.
    enum Role: Equatable, Sendable {
        /// A row of the syscall table: its shape says where the arguments are.
        case table(ArgumentShape)
        /// chdir(path), fchdir(fd): the caller's current directory moves.
        case changeDirectory(fd: Bool)
        /// clone, clone3, fork, vfork: the child starts in its parent's current directory.
        case createProcess
    }

    /// The calls that create processes, traced so that a child's first current directory is known.
    static let processCreation = ["clone", "clone3", "fork", "vfork"]

    /// Every name of every ABI of `SyscallTable.native` (the first ABI's row wins for a name several share),
    /// chdir (`.changeDirectory`) and fchdir the only directory changes kept, plus `processCreation`.
    static let roles: [String: Role] = {
        var roles: [String: Role] = [:]
        for abi in SyscallTable.native.abis {
            for row in abi.rows where roles[row.name] == nil {
                switch row.shape {
                case .changeDirectory:
                    roles[row.name] = .changeDirectory(fd: false)
                case .changesDirectories:
                    if row.name == "fchdir" { roles[row.name] = .changeDirectory(fd: true) }
                case .ringSetup:
                    break  // names no path; strace need not trace it
                case .clone, .clone3:
                    break  // `processCreation` below
                default:
                    roles[row.name] = .table(row.shape)
                }
            }
        }
        for name in processCreation { roles[name] = .createProcess }
        return roles
    }()

    /// The names for `strace -e trace=`: the rows of this machine's syscall tables that take a path or a
    /// descriptor (generated from the table, so the tracer and the log cannot drift apart), chdir and fchdir,
    /// then `processCreation`. A name only a compat ABI has (i386's `stat64`), and `fork` and `vfork`
    /// (aarch64 has neither), carry strace's `?`: no error where this strace does not know them.
    public static let traceSet: [String] = {
        var names: [String] = []
        let native = SyscallTable.native.abis[0].rows.map(\.name)
        for abi in SyscallTable.native.abis {
            for row in abi.rows where roles[row.name] != nil && !names.contains(row.name)
                && !names.contains("?" + row.name) && !processCreation.contains(row.name) {
                names.append(native.contains(row.name) ? row.name : "?" + row.name)
            }
        }
        return names + processCreation.map { $0 == "clone" || $0 == "clone3" ? $0 : "?" + $0 }
    }()

    /// strace's options for a log this parser reads whole: `-f -qq -xx -y -e trace=TRACESET -o LOG`.
    public static func straceOptions(log: String) -> [String] {
        ["-f", "-qq", "-xx", "-y", "-e", "trace=" + traceSet.joined(separator: ","), "-o", log]
    }

    /// The O_DIRECTORY bit, and the others that differ between ABIs, of the machine this binary runs on:
    /// what numeric flags in a log from this machine mean.
    public static let nativeFlagBits: OpenFlagBits = SyscallTable.native.abis[0].flagBits

    // MARK: - The parsed log

    /// Every call of the trace set with a string path (or a descriptor), in the order results were printed.
    public private(set) var calls: [Call] = []
    /// Everything the report builder is given, in `calls` order.
    public private(set) var events: [Event] = []
    /// The lines that could not be used, in line order.
    public private(set) var issues: [Issue] = []

    /// Parses a whole log. `flagBits` is for numeric flags (`-X raw`, or bits strace has no name for) and
    /// defaults to this machine's; `initialDirectory` is step 5 of the path rules above.
    public init(parsing log: some Sequence<UInt8>, initialDirectory: [UInt8]? = nil,
                flagBits: OpenFlagBits = StraceLog.nativeFlagBits) {
        var parser = StraceLogAssembler(flagBits: flagBits)
        var lineNumber = 0
        var line: [UInt8] = []
        for byte in log {
            if byte == UInt8(ascii: "\n") {
                lineNumber += 1
                parser.consume(line, number: lineNumber)
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(byte)
            }
        }
        if !line.isEmpty {
            lineNumber += 1
            parser.consume(line, number: lineNumber)
        }
        parser.finish()
        calls = parser.calls
        var resolver = StraceEventResolver(calls: calls, firstPid: parser.firstPid, initialDirectory: initialDirectory)
        resolver.run()
        events = resolver.events
        self.issues = (parser.issues + resolver.issues).sorted { $0.line < $1.line }
    }

    /// Parses a log held as a String (its UTF-8 bytes).
    public init(parsing log: String, initialDirectory: [UInt8]? = nil,
                flagBits: OpenFlagBits = StraceLog.nativeFlagBits) {
        self.init(parsing: Array(log.utf8), initialDirectory: initialDirectory, flagBits: flagBits)
    }

    /// Gives every event to `builder` the way the tracer does at each syscall's exit, which classifies,
    /// filters and relativizes them. `isDirectory` answers, for a successful read-only open inside the
    /// workspace, whether it opened a directory (see the type's documentation); by default a `stat` now.
    public func record(into builder: inout ReportBuilder,
                       isDirectory: ([UInt8]) -> Bool = { FileStatus.isDirectory($0) }) {
        for event in events {
            switch event {
            case .open(let path, let flags, let failure):
                guard let pending = builder.pending(path: path, flags: flags) else { continue }
                let directory = failure == nil && pending.listIfDirectory && isDirectory(path)
                builder.record(pending, failure: failure, openedDirectory: directory)
            case .path(let path, let effect, let failure):
                guard let pending = builder.pending(path: path, effect: effect) else { continue }
                builder.record(pending, failure: failure)
            case .rename(let from, let to, let exchange, let failure):
                builder.record(builder.pendingRename(from: from, to: to, exchange: exchange), failure: failure)
            }
        }
    }

    /// The absolute normalized path a successful open opened, by steps 1, 2, 4 and 5 of the rules in the
    /// type's documentation (`initialDirectory` as the cwd), or nil when nothing says what a relative path is
    /// relative to.
    public static func resolvedPath(of call: Call, initialDirectory: [UInt8]?) -> [UInt8]? {
        resolve(PathArgument(directory: call.directory, path: call.path), seenDirectory: nil,
                openResult: call.outcome, tmpfile: call.flags.tmpfile, assumedDirectory: initialDirectory)
    }

    /// Steps 1 to 5: `seenDirectory` is the cwd the log showed (step 3), `openResult` an open's outcome
    /// (step 4), `assumedDirectory` the cwd it did not show (step 5).
    static func resolve(_ argument: PathArgument, seenDirectory: [UInt8]?, openResult: Outcome?, tmpfile: Bool,
                        assumedDirectory: [UInt8]?) -> [UInt8]? {
        let path = argument.path
        if PathResolver.isAbsolute(path) { return PathResolver.normalize(path) }
        if let base = argument.directory.decoded, PathResolver.isAbsolute(base) {
            return PathResolver.resolve(path, against: base)
        }
        let isCurrentDirectory: Bool
        if case .currentDirectory = argument.directory { isCurrentDirectory = true } else { isCurrentDirectory = false }
        if isCurrentDirectory, let seenDirectory, PathResolver.isAbsolute(seenDirectory) {
            return PathResolver.resolve(path, against: seenDirectory)
        }
        if case .descriptor(_, let decoded?)? = openResult, PathResolver.isAbsolute(decoded) {
            // O_TMPFILE's path names the directory; the descriptor is an unnamed file in it ("/dir/#123").
            if tmpfile {
                return PathResolver.normalize(decoded + [PathResolver.slash, PathResolver.dot, PathResolver.dot])
            }
            return PathResolver.normalize(decoded)
        }
        if isCurrentDirectory, let assumedDirectory, PathResolver.isAbsolute(assumedDirectory) {
            return PathResolver.resolve(path, against: assumedDirectory)
        }
        return nil
    }

    /// The errno a failed call's name stands for (Linux numbers, the same on every architecture this builds
    /// for: asm-generic/errno-base.h and errno.h). Only ENOENT and ENOTDIR change a report (a missing path);
    /// any other failure adds nothing, so a name not listed here stands for EIO.
    static func errno(named name: String) -> Errno {
        errnoNumbers[name].map(Errno.init) ?? .ioError
    }

    /// The names strace prints, to the C library's own numbers.
    static let errnoNumbers: [String: Int32] = [
        "EPERM": EPERM, "ENOENT": ENOENT, "EINTR": EINTR, "EIO": EIO, "E2BIG": E2BIG, "ENOEXEC": ENOEXEC,
        "EBADF": EBADF, "ENOMEM": ENOMEM, "EACCES": EACCES, "EFAULT": EFAULT, "EBUSY": EBUSY, "EEXIST": EEXIST,
        "EXDEV": EXDEV, "ENOTDIR": ENOTDIR, "EISDIR": EISDIR, "EINVAL": EINVAL, "ENFILE": ENFILE,
        "EMFILE": EMFILE, "ETXTBSY": ETXTBSY, "ENOSPC": ENOSPC, "EROFS": EROFS, "EMLINK": EMLINK,
        "ENAMETOOLONG": ENAMETOOLONG, "ENOTEMPTY": ENOTEMPTY, "ELOOP": ELOOP, "EOPNOTSUPP": EOPNOTSUPP,
    ]
}

/// Turns the parsed calls, in log order, into builder events: paths resolved (with each process's current
/// directory followed through the log), the tracer's omissions mirrored.
struct StraceEventResolver {
    let calls: [StraceLog.Call]
    /// The pid of the log's first line: the command's process, which strace itself exec'd.
    let firstPid: TaskID?
    var directories: DirectoryTracker
    var events: [StraceLog.Event] = []
    var issues: [StraceLog.Issue] = []

    init(calls: [StraceLog.Call], firstPid: TaskID?, initialDirectory: [UInt8]?) {
        self.calls = calls
        self.firstPid = firstPid
        var parents: [TaskID: (parent: TaskID, shares: Bool)] = [:]
        for call in calls where StraceLog.roles[call.syscall.rawValue] == .createProcess {
            if let parent = call.pid, case .descriptor(let child, _) = call.outcome, child > 0 {
                parents[TaskID(child)] = (parent, call.options.contains(.sharesDirectory))
            }
        }
        directories = DirectoryTracker(parents: parents, initialDirectory: initialDirectory)
    }

    mutating func run() {
        var spawned = false
        for call in calls {
            let pid = call.pid ?? 0
            if case .currentDirectory(let decoded?) = call.directory, PathResolver.isAbsolute(decoded) {
                directories.saw(decoded, for: pid)
            }
            guard let role = StraceLog.roles[call.syscall.rawValue] else { continue }
            switch role {
            case .createProcess:
                if case .descriptor(let child, _) = call.outcome, child > 0 { directories.started(TaskID(child)) }
            case .changeDirectory(let isDescriptor):
                guard call.succeeded else { continue }
                if isDescriptor {
                    directories.moved(pid, to: call.directory.decoded.flatMap { path in
                        PathResolver.isAbsolute(path)
                            ? DirectoryTracker.Known(path: PathResolver.normalize(path), seen: true) : nil
                    })
                } else if PathResolver.isAbsolute(call.path) {
                    directories.moved(pid, to: .init(path: PathResolver.normalize(call.path), seen: true))
                } else {
                    directories.moved(pid, to: directories.current(of: pid).map {
                        .init(path: PathResolver.resolve(call.path, against: $0.path), seen: $0.seen)
                    })
                }
            case .table(let shape):
                if case .path(_, _, .execute) = shape, call.pid == firstPid, !spawned {
                    // strace's own exec of the command, and any that failed before it: the tracer's spawn,
                    // which it leaves out (its `command` key names the command).
                    spawned = call.succeeded
                    continue
                }
                record(call, shape)
            }
        }
    }

    private mutating func record(_ call: StraceLog.Call, _ shape: ArgumentShape) {
        let failure: Errno?
        switch call.outcome {
        case .descriptor: failure = nil
        case .failed(let name): failure = StraceLog.errno(named: name)
        case .unknown: return  // no exit seen: the tracer records nothing either
        }
        // Only a success, or a failure that says a path is missing, can change the report.
        let matters = failure == nil || failure == .noSuchFile || failure == .notDirectory
        if call.options.contains(.emptyPath) { return }
        switch shape {
        case .open, .openHow, .create:
            // An empty path fails with ENOENT (open has no AT_EMPTY_PATH): not a name that is missing.
            guard !call.path.isEmpty, matters else { return }
            guard let path = absolute(call, StraceLog.PathArgument(directory: call.directory, path: call.path),
                                      openResult: call.outcome, tmpfile: call.flags.tmpfile) else { return }
            events.append(.open(path: path, flags: call.flags, failure: failure))
        case .path(_, _, let effect):
            guard !call.path.isEmpty, matters else { return }
            guard let path = absolute(call, StraceLog.PathArgument(directory: call.directory, path: call.path))
            else { return }
            events.append(.path(path: path, effect: effect, failure: failure))
        case .descriptor(_, let effect):
            // What /proc/TID/fd/N shows, as the tracer reads it; a descriptor that is no directory (no
            // absolute path) names none.
            guard failure == nil, let decoded = call.directory.decoded, PathResolver.isAbsolute(decoded) else { return }
            events.append(.path(path: PathResolver.normalize(decoded), effect: effect, failure: nil))
        case .rename:
            guard failure == nil, let target = call.target else { return }
            let from = call.path.isEmpty ? nil
                : absolute(call, StraceLog.PathArgument(directory: call.directory, path: call.path))
            let to = target.path.isEmpty ? nil : absolute(call, target)
            events.append(.rename(from: from, to: to, exchange: call.options.contains(.exchange), failure: nil))
        case .changesDirectories, .changeDirectory, .ringSetup, .clone, .clone3:
            return
        }
    }

    /// The argument's absolute path, or nil with an `.unresolvedPath` issue.
    private mutating func absolute(_ call: StraceLog.Call, _ argument: StraceLog.PathArgument,
                                   openResult: StraceLog.Outcome? = nil, tmpfile: Bool = false) -> [UInt8]? {
        let current = directories.current(of: call.pid ?? 0)
        let resolved = StraceLog.resolve(argument, seenDirectory: current?.seen == true ? current?.path : nil,
                                         openResult: openResult, tmpfile: tmpfile,
                                         assumedDirectory: current?.path)
        if resolved == nil { issues.append(StraceLog.Issue(line: call.line, reason: .unresolvedPath)) }
        return resolved
    }
}

/// Each process's current directory as far as the log tells it. Tasks that share one (`CLONE_FS`, which
/// threads do) share an entry, so a thread's chdir moves them all, as the kernel does.
struct DirectoryTracker {
    struct Known: Equatable {
        var path: [UInt8]
        /// Shown by the log (`AT_FDCWD</cwd>`, fchdir's `-y` path, an absolute chdir, or a chdir from one of
        /// those), rather than assumed from `initialDirectory`.
        var seen: Bool
    }

    /// Child → parent, from every successful process-creating call of the log (known before the child's first
    /// line, which may come before its parent's call returns).
    private let parents: [TaskID: (parent: TaskID, shares: Bool)]
    private let initialDirectory: [UInt8]?
    private var group: [TaskID: Int] = [:]
    private var entries: [Known?] = []

    init(parents: [TaskID: (parent: TaskID, shares: Bool)], initialDirectory: [UInt8]?) {
        self.parents = parents
        self.initialDirectory = initialDirectory
    }

    /// The task's entry, made at its first mention: its parent's (shared or copied), or `initialDirectory`.
    private mutating func entry(of task: TaskID) -> Int {
        if let index = group[task] { return index }
        if let (parent, shares) = parents[task], parent != task {
            let parentEntry = entry(of: parent)
            if shares {
                group[task] = parentEntry
                return parentEntry
            }
            entries.append(entries[parentEntry])
        } else {
            entries.append(initialDirectory.map { Known(path: PathResolver.normalize($0), seen: false) })
        }
        group[task] = entries.count - 1
        return entries.count - 1
    }

    mutating func current(of task: TaskID) -> Known? { entries[entry(of: task)] }

    /// `AT_FDCWD</path>`: where the task is, for certain.
    mutating func saw(_ path: [UInt8], for task: TaskID) {
        entries[entry(of: task)] = Known(path: PathResolver.normalize(path), seen: true)
    }

    /// chdir or fchdir returned; nil when the log does not say where to.
    mutating func moved(_ task: TaskID, to directory: Known?) { entries[entry(of: task)] = directory }

    /// The call that made `task` returned in its parent: the child's directory is its parent's now, unless
    /// the child has already been seen (its own calls came first).
    mutating func started(_ task: TaskID) { _ = entry(of: task) }
}

/// Joins split calls by pid and collects calls and issues, line by line.
struct StraceLogAssembler {
    let flagBits: OpenFlagBits
    var calls: [StraceLog.Call] = []
    var issues: [StraceLog.Issue] = []
    /// The pid of the first call line (nil without a pid column): the command's own process.
    var firstPid: TaskID?
    private var sawCall = false
    /// Per pid (0 without a pid column): the text of a call up to `<unfinished ...>`, its name and line.
    private var pending: [TaskID: (name: [UInt8], text: [UInt8], line: Int)] = [:]

    init(flagBits: OpenFlagBits) { self.flagBits = flagBits }

    mutating func consume(_ line: [UInt8], number: Int) {
        let parsed: StraceLine
        do {
            parsed = try StraceLine.parse(line)
        } catch {
            issues.append(StraceLog.Issue(line: number, reason: .malformed(error.reason)))
            return
        }
        let key = parsed.pid ?? 0
        switch parsed.body {
        case .blank, .notice:
            break
        case .processEnded:
            // A task killed (or superseded by an exec) inside a call never returns from it.
            pending[key] = nil
        case .call(let name, let text, let unfinished):
            if !sawCall {
                sawCall = true
                firstPid = parsed.pid
            }
            if let stale = pending.removeValue(forKey: key) {
                issues.append(StraceLog.Issue(line: stale.line, reason: .neverResumed(String(decoding: stale.name,
                                                                                              as: UTF8.self))))
            }
            if unfinished {
                pending[key] = (name, text, number)
            } else {
                complete(name: name, text: text, pid: parsed.pid, line: number)
            }
        case .resumed(let name, let rest, let unfinished):
            guard let start = pending.removeValue(forKey: key), start.name == name else {
                issues.append(StraceLog.Issue(line: number, reason: .resumedWithoutStart(String(decoding: name,
                                                                                               as: UTF8.self))))
                return
            }
            if unfinished {
                // `<... openat resumed> <unfinished ...>`: strace detached again mid-call.
                pending[key] = (name, start.text + rest, start.line)
            } else {
                complete(name: name, text: start.text + rest, pid: parsed.pid, line: start.line)
            }
        }
    }

    mutating func finish() {
        for (_, start) in pending.sorted(by: { $0.value.line < $1.value.line }) {
            issues.append(StraceLog.Issue(line: start.line, reason: .neverResumed(String(decoding: start.name,
                                                                                         as: UTF8.self))))
        }
        pending.removeAll()
    }

    private mutating func complete(name: [UInt8], text: [UInt8], pid: TaskID?, line: Int) {
        let syscall = StraceLog.Syscall(rawValue: String(decoding: name, as: UTF8.self))
        guard let role = StraceLog.roles[syscall.rawValue] else { return }
        do {
            guard let call = try StraceCallParser.parse(role, text: text, flagBits: flagBits) else { return }
            if call.truncated && (call.succeeded || call.outcome == .failed("ENOENT")
                                  || call.outcome == .failed("ENOTDIR")) {
                issues.append(StraceLog.Issue(line: line, reason: .truncatedPath))
                return
            }
            calls.append(StraceLog.Call(line: line, pid: pid, syscall: syscall, directory: call.directory,
                                        path: call.path, flags: call.flags, target: call.target,
                                        options: call.options, outcome: call.outcome))
        } catch {
            issues.append(StraceLog.Issue(line: line, reason: .malformed(error.reason)))
        }
    }
}
