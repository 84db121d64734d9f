/// strace's record of the open family, parsed into the same `FileAccess` events the native tracer produces,
/// so one `ReportBuilder` turns either into a report and the two can be compared (SPEC: `compare`).
///
/// The input is the text of
///
///     strace -f -qq -xx -y -e trace=open,openat,openat2,creat -o LOG COMMAND
///
/// and the parser also reads what other common options change: no `-f` (no pid column) or `-f` to stderr
/// (`[pid N]`), `-t`/`-tt`/`-ttt`/`-r` timestamps, `-T` durations, no `-y`, `-x` or no `-x` (octal and C
/// escapes), `-X raw`/`-X verbose` flags, and other traced syscalls (skipped).
///
/// Which path a successful open is reported under (SPEC: Paths), in order:
///
/// 1. An absolute path argument, lexically normalized.
/// 2. A relative one joined lexically to the directory strace decoded for its `dirfd` with `-y`:
///    `3</work/dir>`, or `AT_FDCWD</work>` (strace 6.1 prints the caller's cwd there). These are read from
///    /proc/PID/fd/N and /proc/PID/cwd, the same as the native tracer reads, so the result is exactly SPEC's.
/// 3. Otherwise (`open` and `creat` have no dirfd; logs without `-y`, or from a strace that does not decode
///    AT_FDCWD) the path `-y` decoded for the returned descriptor, `= 3</work/dir/file>`: the kernel's own
///    resolution, always right about the cwd, but with every symlink resolved, so a file opened through a
///    link in the relative path is reported under its target's name where SPEC reports the link's.
/// 4. Otherwise `initialDirectory`, when given, for a relative path against the cwd: the command's starting
///    directory, which is wrong for a process that chdir'd first (strace does not trace chdir here).
/// 5. Otherwise the open is not reported and an `.unresolvedPath` issue names its line.
public struct StraceLog: Sendable {
    /// The open family, as strace names it.
    public enum Syscall: String, Sendable, Equatable, CaseIterable {
        case open, openat, openat2, creat
    }

    /// What a relative path argument is relative to, as strace printed it.
    public enum Directory: Sendable, Equatable {
        /// The caller's cwd: `AT_FDCWD` (with `-y`, `AT_FDCWD</cwd>`), or `open`/`creat`, which print none.
        case currentDirectory(decoded: [UInt8]?)
        /// A numeric `dirfd`, and what `-y` decoded it to (`3</dir>`), if anything.
        case descriptor(Int32, decoded: [UInt8]?)
    }

    /// How a call returned.
    public enum Outcome: Sendable, Equatable {
        /// `= 3`, or with `-y` `= 3</abs/path>`.
        case descriptor(Int32, decoded: [UInt8]?)
        /// `= -1 ENOENT (No such file or directory)`; the errno's name, or "" when strace printed none.
        case failed(String)
        /// `= ?`: the task left the call without a result (killed, or `ERESTARTSYS` and the like).
        case unknown
    }

    /// One open-family call whose path argument strace printed as a string.
    public struct Call: Sendable, Equatable {
        /// The 1-based line the call starts on (its `<unfinished ...>` line when it was split).
        public var line: Int
        /// The pid column, when the log has one (`-f`).
        public var pid: TaskID?
        public var syscall: Syscall
        public var directory: Directory
        /// The path argument's bytes, unescaped.
        public var path: [UInt8]
        public var flags: OpenFlags
        public var outcome: Outcome

        public init(line: Int, pid: TaskID?, syscall: Syscall, directory: Directory, path: [UInt8], flags: OpenFlags,
                    outcome: Outcome) {
            self.line = line
            self.pid = pid
            self.syscall = syscall
            self.directory = directory
            self.path = path
            self.flags = flags
            self.outcome = outcome
        }

        public var succeeded: Bool {
            if case .descriptor = outcome { return true }
            return false
        }
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
            /// A successful open whose path strace truncated (`"..."...`).
            case truncatedPath
            /// A successful open of a relative path with nothing to resolve it against (see the type's
            /// documentation): run strace with `-y`, or pass `initialDirectory`.
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

    /// The O_DIRECTORY bit, and the others that differ between ABIs, of the machine this binary runs on:
    /// what numeric flags in a log from this machine mean.
    public static let nativeFlagBits: OpenFlagBits = SyscallTable.native.abis[0].flagBits

    /// Every open-family call with a string path, in the order their results were printed.
    public private(set) var calls: [Call] = []
    /// The successful calls as the native tracer reports them: absolute normalized path and flags, in
    /// `calls` order. O_PATH, O_DIRECTORY and O_TMPFILE opens are here too; the classifier drops them.
    public private(set) var accesses: [FileAccess] = []
    /// The lines that could not be used, in line order.
    public private(set) var issues: [Issue] = []

    /// Parses a whole log. `flagBits` is for numeric flags (`-X raw`, or bits strace has no name for) and
    /// defaults to this machine's; `initialDirectory` is step 4 of the path rules above.
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
        var issues = parser.issues
        for call in calls where call.succeeded {
            if let path = Self.resolvedPath(of: call, initialDirectory: initialDirectory) {
                accesses.append(FileAccess(path: path, flags: call.flags))
            } else {
                issues.append(Issue(line: call.line, reason: .unresolvedPath))
            }
        }
        self.issues = issues.sorted { $0.line < $1.line }
    }

    /// Parses a log held as a String (its UTF-8 bytes).
    public init(parsing log: String, initialDirectory: [UInt8]? = nil,
                flagBits: OpenFlagBits = StraceLog.nativeFlagBits) {
        self.init(parsing: Array(log.utf8), initialDirectory: initialDirectory, flagBits: flagBits)
    }

    /// Records every access into `builder`, which classifies, filters and relativizes them.
    public func record(into builder: inout ReportBuilder) {
        for access in accesses { builder.record(access) }
    }

    /// The absolute normalized path a successful call opened, by the rules in the type's documentation, or
    /// nil when nothing says what a relative path is relative to.
    public static func resolvedPath(of call: Call, initialDirectory: [UInt8]?) -> [UInt8]? {
        if PathResolver.isAbsolute(call.path) { return PathResolver.normalize(call.path) }
        let decodedDirectory: [UInt8]?
        let isCurrentDirectory: Bool
        switch call.directory {
        case .currentDirectory(let decoded):
            decodedDirectory = decoded
            isCurrentDirectory = true
        case .descriptor(_, let decoded):
            decodedDirectory = decoded
            isCurrentDirectory = false
        }
        if let base = decodedDirectory, PathResolver.isAbsolute(base) {
            return PathResolver.resolve(call.path, against: base)
        }
        if case .descriptor(_, let decoded?) = call.outcome, PathResolver.isAbsolute(decoded) {
            // O_TMPFILE's path names the directory; the descriptor is an unnamed file in it ("/dir/#123").
            if call.flags.tmpfile {
                return PathResolver.normalize(decoded + [PathResolver.slash, PathResolver.dot, PathResolver.dot])
            }
            return PathResolver.normalize(decoded)
        }
        if isCurrentDirectory, let initialDirectory, PathResolver.isAbsolute(initialDirectory) {
            return PathResolver.resolve(call.path, against: initialDirectory)
        }
        return nil
    }
}

/// Joins split calls by pid and collects calls and issues, line by line.
struct StraceLogAssembler {
    let flagBits: OpenFlagBits
    var calls: [StraceLog.Call] = []
    var issues: [StraceLog.Issue] = []
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
        guard let syscall = StraceLog.Syscall(rawValue: String(decoding: name, as: UTF8.self)) else { return }
        do {
            guard let call = try StraceCallParser.parse(syscall, text: text, flagBits: flagBits) else { return }
            if call.truncated && call.succeeded {
                issues.append(StraceLog.Issue(line: line, reason: .truncatedPath))
                return
            }
            calls.append(StraceLog.Call(line: line, pid: pid, syscall: syscall, directory: call.directory,
                                        path: call.path, flags: call.flags, outcome: call.outcome))
        } catch {
            issues.append(StraceLog.Issue(line: line, reason: .malformed(error.reason)))
        }
    }
}
