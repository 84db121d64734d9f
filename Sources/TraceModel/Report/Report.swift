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
    /// Which engine followed the command (`ptrace`, `ebpf`): the one thing of the engine the report keeps.
    public var engine = ""
    /// Every set, indexed by `PathSet.rawValue`; read and written through `self[set]` or the named properties.
    private var sets: [[[UInt8]]]
    /// Things the user should know that did not stop the trace (events that could not be decoded).
    public var warnings: [String]
    /// The process tree, in the order the processes were first seen (a parent before its children); nil
    /// when it was not asked for (`TraceConfiguration.recordProcesses`).
    public var processes: [ProcessRecord]?
    /// What each build task that ran did, in the order the tasks were first seen (see `BuildTask`); nil when
    /// processes were not recorded, empty when the run had no task.
    public var tasks: [TaskRecord]?

    /// A report whose sets are `sets` (a set not given is empty).
    public init(command: [[UInt8]], workspace: [UInt8], outcome: CommandOutcome, sets: [PathSet: [[UInt8]]],
                warnings: [String] = [], processes: [ProcessRecord]? = nil) {
        self.command = command
        self.workspace = workspace
        self.outcome = outcome
        self.sets = PathSet.allCases.map { sets[$0] ?? [] }
        self.warnings = warnings
        self.processes = processes
    }

    public init(command: [[UInt8]], workspace: [UInt8], outcome: CommandOutcome, reads: [[UInt8]],
                writes: [[UInt8]], probes: [[UInt8]] = [], missing: [[UInt8]] = [], deletes: [[UInt8]] = [],
                directories: [[UInt8]] = [], executed: [[UInt8]] = [], listed: [[UInt8]] = [],
                inputs: [[UInt8]] = [], outputs: [[UInt8]] = [], warnings: [String] = [],
                processes: [ProcessRecord]? = nil) {
        self.init(command: command, workspace: workspace, outcome: outcome,
                  sets: [.reads: reads, .writes: writes, .probes: probes, .missing: missing, .deletes: deletes,
                         .directories: directories, .executed: executed, .listed: listed, .inputs: inputs,
                         .outputs: outputs],
                  warnings: warnings, processes: processes)
    }

    /// One set's paths.
    public subscript(set: PathSet) -> [[UInt8]] {
        get { sets[set.rawValue] }
        set { sets[set.rawValue] = newValue }
    }

    // Each set by name (PathSet says what each holds).
    public var reads: [[UInt8]] { get { self[.reads] } set { self[.reads] = newValue } }
    public var writes: [[UInt8]] { get { self[.writes] } set { self[.writes] = newValue } }
    public var probes: [[UInt8]] { get { self[.probes] } set { self[.probes] = newValue } }
    public var missing: [[UInt8]] { get { self[.missing] } set { self[.missing] = newValue } }
    public var deletes: [[UInt8]] { get { self[.deletes] } set { self[.deletes] = newValue } }
    public var directories: [[UInt8]] { get { self[.directories] } set { self[.directories] = newValue } }
    public var executed: [[UInt8]] { get { self[.executed] } set { self[.executed] = newValue } }
    public var listed: [[UInt8]] { get { self[.listed] } set { self[.listed] = newValue } }
    public var inputs: [[UInt8]] { get { self[.inputs] } set { self[.inputs] = newValue } }
    public var outputs: [[UInt8]] { get { self[.outputs] } set { self[.outputs] = newValue } }
}

/// How one traced process (a thread group) ended.
public enum ProcessEnd: Sendable, Equatable {
    case exited(Int32)
    case killed(signal: Int32)
}

/// One traced process (thread group): who started it, what it ran, how it ended, and which workspace paths
/// its threads read and wrote (the same classification and filter as the report's `reads` and `writes`).
public struct ProcessRecord: Sendable, Equatable {
    /// The thread group id (the pid `getpid` returns).
    public var pid: Int32
    /// The real parent's pid when the process was first seen (for the command's process, the tracer's).
    public var parent: Int32
    /// argv as the last successful exec set it (/proc/PID/cmdline at PTRACE_EVENT_EXEC); for a process that
    /// never exec'd, its parent's argv as it was when the process was first seen.
    public var argv: [[UInt8]]
    /// The current directory at the last exec, or when the process was first seen if it never exec'd.
    public var cwd: [UInt8]
    /// Nil when the end was not seen (the thread group leader's exit never reported).
    public var end: ProcessEnd?
    /// Workspace-relative, sorted by bytes, unique.
    public var reads: [[UInt8]]
    public var writes: [[UInt8]]
    /// The build task the process belongs to (see `BuildTask`): named by the environment of its last exec, or
    /// inherited from its parent; nil for the runner and for commands that are no task's.
    public var task: BuildTask?

    public init(pid: Int32, parent: Int32, argv: [[UInt8]], cwd: [UInt8], end: ProcessEnd?, reads: [[UInt8]] = [],
                writes: [[UInt8]] = [], task: BuildTask? = nil) {
        self.task = task
        self.pid = pid
        self.parent = parent
        self.argv = argv
        self.cwd = cwd
        self.end = end
        self.reads = reads
        self.writes = writes
    }
}
