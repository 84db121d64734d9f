#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Kernel
import TraceModel

/// What the eBPF engine traces and how.
public struct EBPFConfiguration: Sendable {
    /// argv of the command; argv[0] is looked up on PATH as execvp(3) does.
    public var command: [[UInt8]]
    public var filter: WorkspaceFilter
    /// The signals blocked in the command when it starts (see `TraceConfiguration.signalMask`).
    public var signalMask: UInt64
    /// Let io_uring_setup succeed; by default a seccomp filter makes it fail with ENOSYS (SECCOMP_RET_ERRNO,
    /// which needs no tracer), so runtimes fall back to the syscalls the program sees.
    public var allowRings: Bool
    /// Keep the process tree (`Report.processes`).
    public var recordProcesses = false
    /// The ring buffer's size in bytes, a power of two of at least a page; nil for the default. Tests force a
    /// tiny one to see losses counted and reported.
    public var ringBufferBytes: Int?

    public init(command: [[UInt8]], filter: WorkspaceFilter, signalMask: UInt64 = 0, allowRings: Bool = false) {
        self.command = command
        self.filter = filter
        self.signalMask = signalMask
        self.allowRings = allowRings
    }
}

/// The engine's counters: what a trace cost the program, and what it could not deliver.
public struct EBPFCounters: Sendable, Equatable {
    /// Events the program wrote to the ring buffer.
    public var events = 0
    /// Events the program could not write: the ring buffer was full. Each is a call the report misses.
    public var lost = 0
    /// Path strings that could not be read from the task's memory, at the entry and again at the exit.
    public var unreadablePaths = 0
    /// Paths or base directories longer than the program's buffers, cut short.
    public var truncatedPaths = 0

    public init() {}

    /// The one line `--stats` prints for this engine.
    public var summary: String {
        let grouped = TextRenderer.grouped
        return "stats: eBPF: \(grouped(events)) events, \(grouped(lost)) lost, \(grouped(unreadablePaths)) "
            + "unreadable paths, \(grouped(truncatedPaths)) truncated paths; no stops"
    }
}

/// Why the eBPF engine could not trace. Each description is the one line the CLI prints.
public enum EBPFTraceError: Error, Equatable, CustomStringConvertible {
    case emptyCommand
    /// The program could not be loaded or attached here; `reason` says why and what to do.
    case cannotLoad(String)
    case spawnFailed(Errno)
    case childSetupFailed(Errno)
    case readFailed(Errno)

    public var description: String {
        switch self {
        case .emptyCommand:
            return "no command to trace: give one after --, e.g. iotrace-native -- node test-script.mjs"
        case .cannotLoad(let reason):
            return "the eBPF engine cannot run here: \(reason); use --engine ptrace (or auto)"
        case .spawnFailed(let error):
            return "could not start the command (fork: \(error))"
        case .childSetupFailed(let error):
            return "the command's process could not be prepared (\(error))"
        case .readFailed(let error):
            return "reading the eBPF program's events failed (\(error))"
        }
    }
}

public struct EBPFTraceResult: Sendable {
    public var report: Report
    public var counters: EBPFCounters
}
