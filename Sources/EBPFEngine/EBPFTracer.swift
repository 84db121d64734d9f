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
    /// Where each recorded call goes as it happens (`--events`), besides the report; nil: nowhere.
    public var events: (any EventSink)?
    /// The program's load, begun ahead (`EBPFTracer.beginLoading`); nil: the trace begins it.
    public var loadAhead: EBPFLoadAhead?

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
    /// Events the program could not write (the ring buffer was full), and forks it could not follow (its table
    /// was full). Each is a call, or a process's calls, the report misses.
    public var lost = 0
    /// Path strings that could not be read from the task's memory at the call's exit.
    public var unreadablePaths = 0
    /// Paths or base directories longer than the program's buffers, cut short.
    public var truncatedPaths = 0
    /// Calls the program left out, not sent: their one path was certainly outside the workspace.
    public var leftOut = 0

    public init() {}

    /// The one line `--stats` prints for this engine.
    public var summary: String {
        let grouped = TextRenderer.grouped
        return "stats: eBPF: \(grouped(events)) events, \(grouped(lost)) lost, \(grouped(unreadablePaths)) "
            + "unreadable paths, \(grouped(truncatedPaths)) truncated paths, \(grouped(leftOut)) calls outside the "
            + "workspace left out in the kernel; no stops"
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
            return Spawn.Failure.emptyCommand
        case .cannotLoad(let reason):
            return "the eBPF engine cannot run here: \(reason); use --engine ptrace (or auto)"
        case .spawnFailed(let error):
            return Spawn.Failure.start(error)
        case .childSetupFailed(let error):
            return Spawn.Failure.childSetup(error)
        case .readFailed(let error):
            return "reading the eBPF program's events failed (\(error))"
        }
    }
}

public struct EBPFTraceResult: Sendable {
    public var report: Report
    public var counters: EBPFCounters
}

/// Runs a command with the eBPF program following it: no stop, no ptrace. The program reads each call of the
/// syscall table at its exit and sends it whole in one record (a successful exec in two, its entry from
/// sched_prepare_exec and its exec record, which this side pairs by thread); each call goes to the same report
/// builder the ptrace engine feeds.
public final class EBPFTracer {
    private let configuration: EBPFConfiguration
    private var builder: ReportBuilder
    private var recorder = CallRecorder(table: .native)
    private var processes: FollowedProcesses
    /// Exec entries waiting for their exec record, by thread.
    private var entries: [TaskID: Record.Entry] = [:]
    /// The command's process until its first exec: its calls are the tracer's own spawn code (the PATH search
    /// of `cptrace_spawn`), left out as the ptrace engine leaves them out.
    private var spawning: TaskID?
    private var outcome: CommandOutcome?
    /// Processes left behind, outside the command's session, when everything in it had ended.
    private var daemons: [Daemon] = []
    private let abis: [SyscallABI]
    private let bpf: BPFProgram

    /// The command's process, held before its exec from the load on (see init) until `run` releases it.
    private var held: Result<SpawnedChild, Errno>?

    /// The held command's pid, before `run` (tests: a tracer dropped unrun must end and reap it).
    package var heldCommand: TaskID? { held?.successValue?.pid }

    /// For a process that exits soon after its traces end (the CLI): each trace's end leaves its programs to be
    /// detached by its guard process, on another CPU, while this process goes on (writes the report); the
    /// process waits for every such detach when it exits. Nothing stays attached after the process.
    public static func detachAtExit() { BPFProgram.detachAtExit() }

    /// Begins loading the program for a trace with this ring buffer size (nil: the default), on another CPU,
    /// while the caller goes on setting the trace up: give it to the trace as `EBPFConfiguration.loadAhead`.
    /// Nil where no load can be begun here (the trace then loads it all itself, and says why if it cannot).
    /// Begin it in the process that traces: after any fork that hands the trace to a child (the loading thread
    /// is not in the child).
    public static func beginLoading(ringBufferBytes: Int?) -> EBPFLoadAhead? {
        EBPFLoadAhead(ringBytes: ringBufferBytes ?? BPFProgram.defaultRingBytes)
    }

    /// Loads and attaches the program: `.cannotLoad` with the reason where it cannot be (`--engine auto`
    /// then chooses ptrace). The command's process is made meanwhile, before either loading thread loads (see
    /// cebpf_meanwhile): held before its exec, it runs nothing until `run` releases it,
    /// and exits unrun if this process dies first. Where the program cannot load, it is ended and reaped.
    public init(_ configuration: EBPFConfiguration) throws(EBPFTraceError) {
        self.configuration = configuration
        builder = ReportBuilder(filter: configuration.filter)
        processes = FollowedProcesses(keepsRecords: configuration.recordProcesses)
        abis = BPFProgram.abis(of: .native)
        recorder.events = configuration.events
        var held: Result<SpawnedChild, Errno>?
        do {
            let ringBytes = configuration.ringBufferBytes ?? BPFProgram.defaultRingBytes
            bpf = try BPFProgram(table: .native, ringBytes: ringBytes, environment: configuration.recordProcesses,
                                 roots: configuration.filter.roots, begun: configuration.loadAhead,
                                 meanwhile: { held = Self.spawn(configuration) })
        } catch {
            if case .success(let child) = held { Self.discard(child) }
            throw error
        }
        self.held = held
    }

    deinit {
        // Never run: the command's process ends unrun.
        if case .success(let child) = held { Self.discard(child) }
    }

    /// The command's process, held before its exec; nil without a command (`run` says so).
    private static func spawn(_ configuration: EBPFConfiguration) -> Result<SpawnedChild, Errno>? {
        guard let program = configuration.command.first, !program.isEmpty else { return nil }
        // io_uring_setup fails with ENOSYS by a filter that needs no tracer (SECCOMP_RET_ERRNO).
        let filter = configuration.allowRings ? nil : try? SeccompFilter(table: .native, purpose: .refuseRings)
        return Spawn.start(argv: configuration.command, filter: filter, signalMask: configuration.signalMask)
    }

    /// Ends a held process unrun (it exits 125) and reaps it.
    private static func discard(_ child: SpawnedChild) {
        Spawn.abandon(child)
        Wait.reap(child.pid)
        _ = Spawn.readReport(child)
    }

    /// Starts the command and traces it until it and every process it started have ended.
    public func run(onStart: (TaskID) -> Void = { _ in }) throws(EBPFTraceError) -> EBPFTraceResult {
        guard let program = configuration.command.first, !program.isEmpty else { throw .emptyCommand }
        let spawned = held ?? Self.spawn(configuration)
        held = nil
        let child: SpawnedChild
        switch spawned {
        case .success(let spawned)?: child = spawned
        case .failure(let error)?: throw .spawnFailed(error)
        case nil: throw .emptyCommand
        }
        // Whatever happens to this process from now on, the command does not outlive it unnoticed (SPEC: If the
        // tracer is killed, the traced processes are killed with it); until released, it dies unrun with it.
        if case .failure(let error) = bpf.startGuard() {
            Self.discard(child)
            throw .spawnFailed(error)
        }
        // Held before its exec until the program follows it: not one of its calls goes unseen.
        if case .failure(let error) = bpf.follow(child.pid) {
            Self.discard(child)
            throw .cannotLoad("following the command's process failed (\(error))")
        }
        bpf.wakeOnExit(of: child.pid)
        processes.addCommand(child.pid, parent: getpid(), argv: configuration.command,
                             cwd: ProcFS.ownCurrentDirectory().successValue ?? [])
        spawning = child.pid
        onStart(child.pid)
        _ = Spawn.release(child)
        try follow(child, bpf)
        return finish(bpf)
    }

    /// Reads records until the command has ended and no followed process is left in its session: one that
    /// left it (setsid) and outlives everything in it is a daemon, which the trace leaves behind, named in a
    /// warning (nothing to serve: no seccomp filter of this engine needs a tracer).
    private func follow(_ child: SpawnedChild, _ bpf: BPFProgram) throws(EBPFTraceError) {
        var idlePolls = 0
        // The command's session: this process's, until the command moves to one of its own.
        var commandSession = Session.own()
        // How long the next poll may wait: 0 right after the command ended, whose last records (its exit's
        // included: the exit tracepoint runs before the parent's SIGCHLD) are already in the buffer.
        var timeout = Self.pollMilliseconds
        while true {
            if outcome == nil, case .success(let session) = Session.of(child.pid) { commandSession = session }
            let handled: Int
            // The program wakes the reader only when its buffer fills up (see emit in iotrace.bpf.c): poll often.
            switch bpf.poll(timeoutMilliseconds: timeout, { self.handle($0) }) {
            case .success(let count): handled = count
            case .failure(let error): throw .readFailed(error)
            }
            timeout = Self.pollMilliseconds
            if outcome == nil, let status = Wait.ended(child.pid) {
                outcome = Self.outcome(status)
                let report = Spawn.readReport(child)
                if let error = report.execFailure { outcome = .execFailed(error) }
                if let error = report.setupFailure { throw .childSetupFailed(error) }
                timeout = 0
                continue
            }
            guard outcome != nil else { continue }
            // getsid fails for a process already gone whose exit record is still to come: not a daemon.
            if !processes.live.isEmpty, processes.live.allSatisfy({ Self.isDaemon($0, commandSession) }) {
                leaveDaemons(bpf, session: commandSession)
            }
            if processes.live.isEmpty {
                // Whatever the last processes wrote before their exit records is in the buffer: drain it, here.
                // The drainer thread stops meanwhile, while the report is made (see cebpf_stop_draining).
                bpf.stopDraining()
                while case .success(let count) = bpf.poll(timeoutMilliseconds: 0, { self.handle($0) }), count > 0 {}
                return
            }
            idlePolls = handled == 0 ? idlePolls + 1 : 0
            // A process whose exit record was lost (a full ring buffer) must not hold the trace forever: after
            // a quiet while, ask the kernel which followed processes are still there.
            if idlePolls >= 10 {
                idlePolls = 0
                for pid in processes.live where Session.of(pid) == .failure(.noSuchProcess) { processes.forget(pid) }
            }
        }
    }

    /// How long a poll waits for records: they come without a wake-up, so this is also how late they are read.
    static let pollMilliseconds: Int32 = 5

    /// Stops following the processes left, all outside the command's session, and names each in a warning. A
    /// child one of them forked meanwhile arrives with the records drained here, and is left behind too.
    private func leaveDaemons(_ bpf: BPFProgram, session: pid_t) {
        repeat {
            for pid in processes.live.sorted() where Self.isDaemon(pid, session) {
                bpf.unfollow(pid)
                let argv = processes.argv(of: pid) ?? ((try? ProcFS.commandLine(of: pid).get()) ?? [])
                daemons.append(Daemon(pid: pid, argv: argv))
                processes.forget(pid)
            }
        } while (try? bpf.poll(timeoutMilliseconds: 0, { self.handle($0) }).get()) ?? 0 > 0
    }

    /// The file an exec record names: the kernel's copy of the path the call was given, relative to the cwd. Nil
    /// for none, and for an execveat of a path relative to a descriptor, which the kernel names
    /// /dev/fd/N/PATH (or /dev/fd/N): the descriptor may be closed by the exec itself.
    private static func named(_ exec: Record.Exec) -> CapturedCall.PathArgument? {
        let descriptorPrefix = Array("/dev/fd/".utf8)
        guard !exec.filename.isEmpty, !exec.filename.starts(with: descriptorPrefix) else { return nil }
        return .path(exec.filename, base: exec.cwd)
    }

    /// A live process outside the command's session. getsid fails for one already gone whose exit record is
    /// still to come: not a daemon.
    private static func isDaemon(_ pid: TaskID, _ commandSession: pid_t) -> Bool {
        guard case .success(let session) = Session.of(pid) else { return false }
        return session != commandSession
    }

    private static func outcome(_ status: Int32) -> CommandOutcome {
        let wait = WaitStatus(raw: status)
        if let code = wait.exitCode { return .exited(code) }
        return .killed(signal: wait.terminatingSignal ?? 9)
    }

    private func handle(_ bytes: UnsafeRawBufferPointer) {
        guard let record = Record(bytes) else { return }
        switch record {
        case .entry(let entry):
            guard entry.process != spawning else { return }
            entries[entry.task] = entry
        case .call(let entry, let result, let openedDirectory):
            guard entry.process != spawning else { return }
            complete(entry, result: result, openedDirectory: openedDirectory)
        case .forked(let parent, let child):
            processes.apply(.forked(parent: parent, child: child))
            assignTask(of: child)
        case .exec(let exec):
            if exec.process == spawning {
                spawning = nil
            } else {
                // The exec succeeded: its records are its only completion (a successful exec never returns). The
                // entry, from sched_prepare_exec, names the file as the call did; without one (a kernel before
                // 6.10, or a lost record), the kernel's copy of the name does, relative to the cwd.
                var entry = entries.removeValue(forKey: exec.former)
                    ?? Record.Entry(process: exec.process, task: exec.former, number: exec.number, abi: exec.abi,
                                    flags: 0, paths: [.unreadable, .empty])
                if entry.paths.first == .unreadable, let named = Self.named(exec) { entry.paths[0] = named }
                complete(entry, result: 0, openedDirectory: false, directory: exec.cwd)
            }
            // A call the old leader was in will never return either.
            entries.removeValue(forKey: exec.process)
            processes.apply(.exec(process: exec.process, former: exec.former, argv: exec.argv, cwd: exec.cwd,
                                  task: BuildTask(environment: exec.environment)))
            assignTask(of: exec.process)
        case .processExit(let process, let status):
            processes.apply(.exited(process: process, status: status))
        }
    }

    /// From now on the process's calls are also its build task's (`Report.tasks`), when processes are kept.
    private func assignTask(of pid: TaskID) {
        guard let number = processes.process(of: pid) else { return }
        builder.assign(process: number, to: processes.task(of: pid))
    }

    /// Gives a completed call to the report builder. `directory`, the task's cwd at the call when known (an
    /// exec's record carries it), names a `#!` interpreter given relatively.
    private func complete(_ entry: Record.Entry, result: Int64, openedDirectory: Bool, directory: [UInt8]? = nil) {
        guard entry.abi < abis.count else { return }
        let call = CapturedCall(process: entry.process, task: entry.task, auditArch: abis[entry.abi].auditArch,
                                number: entry.number, result: result, flags: entry.flags,
                                first: entry.paths.first ?? .empty,
                                second: entry.paths.count > 1 ? entry.paths[1] : .empty,
                                openedDirectory: openedDirectory)
        recorder.record(call, into: &builder, process: processes.process(of: entry.process)) { task in
            if let directory { return directory }
            var buffer = [UInt8](repeating: 0, count: TraceeMemory.pathCapacity)
            return ProcFS.currentDirectory(of: task, buffer: &buffer).successValue
        }
    }

    private func finish(_ bpf: BPFProgram) -> EBPFTraceResult {
        let counters = bpf.counters()
        var warnings = daemons.map(\.warning)
        if counters.lost > 0 {
            warnings.append("the eBPF engine lost \(counters.lost) event\(counters.lost == 1 ? "" : "s") (its ring "
                + "buffer or its tables were full): the report may miss calls; trace again, or use --engine ptrace")
        }
        let unknown = counters.unreadablePaths + recorder.undecoded
        if unknown > 0 {
            warnings.append("\(unknown) call\(unknown == 1 ? "" : "s") named a path that could not be read or "
                + "resolved; the report may miss them")
        }
        if counters.truncatedPaths > 0 {
            warnings.append("\(counters.truncatedPaths) path\(counters.truncatedPaths == 1 ? " was" : "s were") "
                + "longer than the eBPF engine's buffers and cut short")
        }
        if recorder.ringsSetUp > 0 {
            warnings.append("the command set up \(recorder.ringsSetUp) io_uring instance"
                + "\(recorder.ringsSetUp == 1 ? "" : "s"): files it opened, read or wrote through io_uring are not "
                + "seen (--allow-io-uring)")
        }
        var report = builder.build(command: configuration.command, outcome: outcome ?? .killed(signal: 9),
                                   warnings: warnings, processes: processes.processes)
        if configuration.recordProcesses { report.tasks = builder.taskRecords() }
        report.engine = "ebpf"
        return EBPFTraceResult(report: report, counters: counters)
    }
}

extension Result {
    var successValue: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}
