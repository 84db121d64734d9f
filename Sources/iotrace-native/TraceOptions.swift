import ArgumentParser
import TraceModel
import Kernel
import PtraceEngine
import StraceReader
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum DecodingChoice: String, ExpressibleByArgument, CaseIterable {
    case syscallInfo = "syscall-info"
    case registers

    var decoding: TraceConfiguration.Decoding { self == .registers ? .registers : .syscallInfo }
}

enum EngineChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, ebpf, ptrace
}

/// The options every subcommand that traces shares (SPEC: Command line).
struct TraceOptions: ParsableArguments {
    /// A tenth of a second: beyond that, spinning only burns CPU.
    static let maxPollWindow = 100_000

    @Option(help: ArgumentHelp("Only paths inside DIR are reported, relative to it.", valueName: "DIR"))
    var workspace: String?

    @Option(help: "The report's form: text or json.")
    var format: ReportFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Where the report goes ('-' for stdout); written whole or not at all. Default: stderr.",
        valueName: "FILE"))
    var output: String?

    @Option(help: ArgumentHelp(
        "Drop paths with a component named NAME (repeatable). Defaults: node_modules, .git, .nx.",
        valueName: "NAME"))
    var ignore: [String] = []

    @Flag(help: "Start the ignore list empty.")
    var noDefaultIgnores = false

    @Option(help: ArgumentHelp(
        "How the command is followed: ebpf (a kernel program, no stops; needs root or CAP_BPF and CAP_PERFMON), "
            + "ptrace (stops the command at each traced call; runs wherever ptrace is allowed), or auto: ebpf where "
            + "it loads, else ptrace.",
        valueName: "ENGINE"))
    var engine: EngineChoice = .auto

    /// The eBPF engine's ring buffer in bytes (a power of two, at least a page): a knob for tests that need
    /// it to overflow.
    @Option(help: .hidden)
    var ringBufferBytes: Int?

    @Flag(help: "Step every syscall with PTRACE_SYSCALL instead of stopping only at traced calls (seccomp-bpf).")
    var noSeccomp = false

    @Option(help: ArgumentHelp(
        """
        How syscall stops are read: syscall-info (PTRACE_GET_SYSCALL_INFO, registers where the kernel lacks it) \
        or registers.
        """,
        valueName: "MODE"))
    var decoding: DecodingChoice = .syscallInfo

    @Flag(help: ArgumentHelp(
        "Let the command use io_uring. By default io_uring_setup fails with ENOSYS, so runtimes such as libuv "
            + "fall back to syscalls the tracer sees; with this flag, what goes through a ring is not seen and the "
            + "report says so."))
    var allowIoUring = false

    @Option(help: ArgumentHelp(
        "How long the tracer spins waiting for the next stop before it sleeps (0: never). Spinning spares a CPU "
            + "wake-up per stop when stops come quickly, at the price of some CPU time.",
        valueName: "MICROSECONDS"))
    var pollWindow = TraceConfiguration.defaultPollMicroseconds

    @Option(help: ArgumentHelp(
        "Also write each traced call that touched a workspace path to FILE as it happens, one JSON line each "
            + "(time, pid, tid, syscall, path, errno, the report sets it joined). FILE may be a FIFO; a reader that "
            + "falls behind loses lines (counted in the report's warnings), never stalls the command.",
        valueName: "FILE"))
    var events: String?

    func validate() throws {
        if let events {
            guard !events.isEmpty else { throw ValidationError("--events needs a file name") }
            if Files.kind(events) == .directory { throw ValidationError("--events '\(events)' is a directory") }
        }
        if let workspace {
            guard Files.kind(workspace) == .directory else {
                throw ValidationError("workspace '\(workspace)' is not a directory that exists")
            }
        }
        if let output, output != "-" {
            guard !output.isEmpty else { throw ValidationError("--output needs a file name, or '-' for stdout") }
            if Files.kind(output) == .directory { throw ValidationError("--output '\(output)' is a directory") }
        }
        if !(0...TraceOptions.maxPollWindow).contains(pollWindow) {
            throw ValidationError("--poll-window takes 0 to \(TraceOptions.maxPollWindow) microseconds")
        }
        if engine == .ebpf, let option = ptraceOnlyOption {
            throw ValidationError("\(option) applies to the ptrace engine only, not to --engine ebpf")
        }
        if let bytes = ringBufferBytes, bytes < 4096 || bytes & (bytes - 1) != 0 {
            throw ValidationError("--ring-buffer-bytes takes a power of two of at least 4096")
        }
        if ignore.contains(where: { $0.isEmpty || $0.contains("/") }) {
            throw ValidationError("--ignore takes a single path component (no '/')")
        }
    }

    /// The first option given that only the ptrace engine has; `auto` then chooses ptrace.
    var ptraceOnlyOption: String? {
        if noSeccomp { return "--no-seccomp" }
        if decoding != .syscallInfo { return "--decoding \(decoding.rawValue)" }
        if pollWindow != TraceConfiguration.defaultPollMicroseconds { return "--poll-window" }
        return nil
    }

    /// The workspace filter: the workspace as given (made absolute) and its canonical form.
    func workspaceFilter() -> WorkspaceFilter {
        let cwd = Files.currentDirectory()
        let given = PathResolver.resolve(Array((workspace ?? ".").utf8), against: cwd)
        var roots = [given]
        if case .success(let canonical) = Files.canonical(workspace ?? ".") {
            roots.append(PathResolver.normalize(canonical))
        }
        let names = (noDefaultIgnores ? [] : WorkspaceFilter.defaultIgnoredNames) + ignore
        return WorkspaceFilter(roots: roots, ignoredNames: names.map { Array($0.utf8) })
    }
}
