/// How the traced command ended.
public enum CommandOutcome: Sendable, Equatable {
    case exited(Int32)
    case killed(signal: Int32)
    /// execvp failed: ENOENT/ENOTDIR (not found) or anything else (found but not executable).
    case execFailed(Errno)

    /// The exit status SPEC gives the tracer for this outcome.
    public var exitStatus: Int32 {
        switch self {
        case .exited(let code): return code
        case .killed(let signal): return 128 + signal
        case .execFailed(let error): return error == .noSuchFile || error == .notDirectory ? 127 : 126
        }
    }
}

/// A finished trace, ready to render: paths relative to the workspace, sorted by bytes, unique.
public struct Report: Sendable, Equatable {
    public var command: [[UInt8]]
    public var workspace: [UInt8]
    public var outcome: CommandOutcome
    public var reads: [[UInt8]]
    public var writes: [[UInt8]]
    /// Things the user should know that did not stop the trace (events that could not be decoded).
    public var warnings: [String]

    public init(command: [[UInt8]], workspace: [UInt8], outcome: CommandOutcome, reads: [[UInt8]],
                writes: [[UInt8]], warnings: [String] = []) {
        self.command = command
        self.workspace = workspace
        self.outcome = outcome
        self.reads = reads
        self.writes = writes
        self.warnings = warnings
    }
}

/// One successful open of a path, as the tracer saw it.
public struct FileAccess: Sendable, Equatable {
    /// Absolute and lexically normalized.
    public var path: [UInt8]
    public var flags: OpenFlags

    public init(path: [UInt8], flags: OpenFlags) {
        self.path = path
        self.flags = flags
    }
}

/// Classifies, filters, relativizes and deduplicates accesses into a report. The tracer also asks it at
/// syscall entry whether an open could appear in the report at all, to skip the exit stop when not.
public struct ReportBuilder: Sendable {
    public let filter: WorkspaceFilter
    private var reads = Set<[UInt8]>()
    private var writes = Set<[UInt8]>()

    public init(filter: WorkspaceFilter) { self.filter = filter }

    /// Whether an open of `path` with `flags` would change the report, if it succeeded.
    public func matters(path: [UInt8], flags: OpenFlags) -> Bool { pending(path: path, flags: flags) != nil }

    public mutating func record(_ access: FileAccess) {
        if let pending = pending(path: access.path, flags: access.flags) { record(pending) }
    }

    /// What an open of `path` adds to the report if it succeeds, or nil when nothing: classified and made
    /// relative once, at the syscall's entry, so that the exit only inserts.
    func pending(path: [UInt8], flags: OpenFlags) -> PendingCall? {
        let access = AccessClassifier.classify(flags)
        guard !access.isEmpty, let relative = filter.relativePath(path) else { return nil }
        return PendingCall(relativePath: Array(relative), access: access)
    }

    mutating func record(_ pending: PendingCall) {
        if pending.access.contains(.read) { reads.insert(pending.relativePath) }
        if pending.access.contains(.write) { writes.insert(pending.relativePath) }
    }

    public func build(command: [[UInt8]], outcome: CommandOutcome, warnings: [String] = []) -> Report {
        Report(command: command, workspace: filter.roots.first ?? [], outcome: outcome,
               reads: reads.sorted(by: Self.byteOrder), writes: writes.sorted(by: Self.byteOrder),
               warnings: warnings)
    }

    /// Byte order (unsigned, shorter prefix first), as `LC_ALL=C sort` orders.
    public static func byteOrder(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }
}
