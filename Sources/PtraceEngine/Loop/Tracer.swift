import Kernel
import TraceModel
/// What to trace and how.
public struct TraceConfiguration: Sendable {
    /// How syscall numbers, arguments and return values are read at a stop.
    public enum Decoding: Sendable, Equatable {
        /// PTRACE_GET_SYSCALL_INFO (Linux 5.3), falling back to registers on kernels without it.
        case syscallInfo
        /// PTRACE_GETREGSET always: the path older kernels take, forced so tests cover it.
        case registers
    }

    /// argv of the command; argv[0] is looked up on PATH as execvp(3) does.
    public var command: [[UInt8]]
    public var filter: WorkspaceFilter
    /// Stop only at traced calls (seccomp-bpf); false steps every syscall with PTRACE_SYSCALL.
    public var seccomp: Bool
    public var decoding: Decoding
    /// The signals blocked in the command when it starts, bit N-1 for signal N. The default blocks none,
    /// whatever the calling thread blocks (a Swift concurrency thread blocks nearly all); a command line tool
    /// passes `TraceConfiguration.callingThreadSignalMask()` from its main thread, so the command starts as
    /// it would untraced.
    public var signalMask: UInt64
    /// Let io_uring_setup succeed. By default it fails with ENOSYS (runtimes such as libuv then fall back to
    /// plain syscalls, which are traced); a ring's requests reach the kernel without a syscall, so when one
    /// is set up the report warns that what it did is not seen.
    public var allowRings: Bool
    /// Keep the process tree (`Report.processes`): each process's parent, argv, cwd and end, and which
    /// process made each read and write. Off, the trace reads nothing of it from /proc.
    public var recordProcesses = false
    /// How long the tracer spins waiting for the next stop before it sleeps, in microseconds; 0 never spins.
    /// Spinning spares the wake-up of an idle CPU per stop (see `WaitBatch`).
    public var pollMicroseconds = TraceConfiguration.defaultPollMicroseconds
    /// Where each recorded call goes as it happens (`--events`), besides the report; nil: nowhere.
    public var events: (any EventSink)?
    /// End the trace when only daemons are left (processes that left the command's session with setsid and
    /// outlive it): `run` then returns the report with `TraceResult.daemons`, and the caller must call
    /// `Tracer.serveDaemons` on the same thread, which keeps them running untraced-alike until they exit (their
    /// seccomp filter needs a tracer: without one each traced call would fail with ENOSYS). Off, the trace
    /// waits for every process, daemons included, as `strace -f` does.
    public var releaseDaemons = false
    /// 95 % of the stops that polling caught on the benchmark's workloads came within 50 µs.
    public static let defaultPollMicroseconds = 50

    public init(command: [[UInt8]], filter: WorkspaceFilter, seccomp: Bool = true, decoding: Decoding = .syscallInfo,
                signalMask: UInt64 = 0, allowRings: Bool = false) {
        self.command = command
        self.filter = filter
        self.seccomp = seccomp
        self.decoding = decoding
        self.signalMask = signalMask
        self.allowRings = allowRings
    }

    /// The calling thread's blocked signals.
    public static func callingThreadSignalMask() -> UInt64 { Spawn.currentSignalMask() }
}

/// Why a trace could not start or go on. Each case's description is the one line the CLI prints.
public enum TraceError: Error, Equatable, CustomStringConvertible {
    case emptyCommand
    case spawnFailed(Errno)
    case ptraceRefused(Errno)
    case childSetupFailed(Errno)
    case waitFailed(Errno)
    case procUnavailable(Errno)

    public var description: String {
        switch self {
        case .emptyCommand:
            return Spawn.Failure.emptyCommand
        case .spawnFailed(let error):
            return Spawn.Failure.start(error)
        case .ptraceRefused(let error):
            return "ptrace is not permitted here (PTRACE_SEIZE: \(error)); in a container, run it with "
                + "--cap-add SYS_PTRACE or a seccomp profile that allows ptrace, and check that "
                + "/proc/sys/kernel/yama/ptrace_scope is below 3"
        case .childSetupFailed(let error):
            return Spawn.Failure.childSetup(error)
        case .waitFailed(let error):
            return "waiting for the traced tasks failed (waitpid: \(error))"
        case .procUnavailable(let error):
            return "/proc is not available (\(error)): the tracer reads each task's current directory there; "
                + "mount it (mount -t proc proc /proc) or run where it is mounted"
        }
    }
}

/// The outcome of a trace.
public struct TraceResult: Sendable {
    public var report: Report
    /// How often the command was stopped, by kind: what a trace costs, counted rather than timed.
    public var stops = StopCounts()
    /// Whether the seccomp filter was in force (false with --no-seccomp, or when the kernel refused it).
    public var seccompActive: Bool
    /// Whether syscall stops were read with PTRACE_GET_SYSCALL_INFO (false when forced or unavailable).
    public var usedSyscallInfo: Bool
    /// With `releaseDaemons`: the daemons still running when the trace ended, which `serveDaemons` keeps.
    public var daemons: [Daemon] = []
}

/// The stops a trace handled, by kind. Each stop is a round trip between the tracee and the tracer, the
/// cost that dominates tracing; counts are exact where times are noisy.
public struct StopCounts: Sendable, Equatable {
    /// Syscall entries the seccomp filter chose (SECCOMP_RET_TRACE).
    public var seccomp = 0
    /// Syscall-entry and -exit stops of PTRACE_SYSCALL: every call when stepping, else the exits whose
    /// outcome the report needed.
    public var syscall = 0
    /// fork, vfork, clone and exec events, and a new task's first stop.
    public var events = 0
    /// Signal-delivery and group stops.
    public var signals = 0
    /// Of all these, the stops the tracer caught while polling, before it would have slept.
    public var polled = 0

    public var total: Int { seccomp + syscall + events + signals }
}

extension StopCounts {
    /// The one line `--stats` prints: `stats: 8,037 stops: 4,012 syscall entries (seccomp), ...; 7,990 caught
    /// while polling`.
    public var summary: String {
        let grouped = TextRenderer.grouped
        return "stats: \(grouped(total)) stops: \(grouped(seccomp)) syscall entries (seccomp), "
            + "\(grouped(syscall)) syscall stops (PTRACE_SYSCALL), \(grouped(events)) process events, "
            + "\(grouped(signals)) signal stops; \(grouped(polled)) caught while polling"
    }
}

/// Runs a command under ptrace and follows every task it starts until all have exited.
///
/// A trace is owned by the thread that calls `run`: ptrace binds a tracee to the thread that attached it,
/// and this thread waits only for its own tasks (`__WALL | __WNOTHREAD`), so several traces may run at once
/// on several threads of one process, and children that other threads start are never reaped here.
public final class Tracer {
    private let configuration: TraceConfiguration
    private var builder: ReportBuilder
    private var decoder: Decoder
    private var tasks = ProcessTable()
    /// True while every syscall is stepped (no seccomp filter in force).
    private var stepping: Bool
    private var useSyscallInfo: Bool
    private var undecoded = 0
    private var stops = StopCounts()
    /// io_uring instances the command set up (only possible when allowed, or when no filter could refuse them).
    private var ringsSetUp = 0
    /// The command's process until its first exec: its calls are the tracer's own spawn code (the PATH
    /// search of `cptrace_spawn`), which a seccomp stop sees and stepping does not (the child runs to its exec
    /// without syscall stops), so they are left out in every mode to keep the reports identical.
    private var spawning: TaskID?
    /// Report warnings: things that may make the report incomplete.
    private var warnings: [String] = []
    /// The processes, when the report is to show them; nil otherwise, so that nothing is read for them.
    private var processTree: ProcessTree?
    /// Successful calls on a path under a directory /proc could not name (longer than a page) and the trace
    /// had not seen reached: paths the report lacks.
    private var unresolvedPaths = 0
    /// The event stream, when one was asked for.
    private var events: EventEmitter?
    /// With `releaseDaemons`: which tasks left the command's session, and when only they are left.
    private var daemons: Daemons?
    private var onlyDaemonsLeft = false
    private var waits: WaitBatch

    public init(_ configuration: TraceConfiguration) {
        self.configuration = configuration
        builder = ReportBuilder(filter: configuration.filter)
        decoder = Decoder(table: .native)
        stepping = !configuration.seccomp
        useSyscallInfo = configuration.decoding == .syscallInfo
        if configuration.recordProcesses { processTree = ProcessTree() }
        events = configuration.events.map(EventEmitter.init(sink:))
        waits = WaitBatch(pollMicroseconds: configuration.pollMicroseconds)
    }

    /// The command's process, from its spawn to the end of the trace.
    private var child: SpawnedChild?
    /// How the command ended, once its process's end has been seen.
    private var outcome: CommandOutcome?
    /// Whether the child's status pipe (exec failure, seccomp refusal) has been read: it is read once.
    private var childReportRead = false

    /// Starts the command and traces it to the end. `onStart` runs (on this thread) as soon as the command's
    /// process exists, `onNotice` for each line the user should see on stderr (a fallback taken).
    public func run(onStart: (TaskID) -> Void = { _ in }, onNotice: (String) -> Void = { _ in }) throws(TraceError)
        -> TraceResult
    {
        let child = try start(onNotice)
        onStart(child.pid)
        if case .failure(let error) = Spawn.release(child) {
            // The child is seized; if it cannot be told to go it waits on a closed pipe and exits 125.
            warnings.append("could not release the command's process (\(error))")
        }
        while true {
            switch waits.nextStop() {
            case .success(let event):
                if event.changesProcesses { waits.processEvent() }
                try dispatch(event, onNotice)
                if onlyDaemonsLeft {
                    stops.polled = waits.polled
                    return finish(daemons: Daemons.processes(among: tasks))
                }
            case .failure(.noChild):
                // Every traced task has exited and been reaped.
                stops.polled = waits.polled
                return finish()
            case .failure(let error):
                throw .waitFailed(error)
            }
        }
    }

    /// Spawns the command, held before its exec, and seizes it; the caller releases it.
    private func start(_ onNotice: (String) -> Void) throws(TraceError) -> SpawnedChild {
        guard let program = configuration.command.first, !program.isEmpty else { throw .emptyCommand }
        // Relative paths are resolved through /proc/TID/cwd and /proc/TID/fd: without /proc the report would
        // silently lose them, so refuse to start instead.
        // ENAMETOOLONG says /proc is there: the tracer was started in a directory deeper than a page.
        if case .failure(let error) = ProcFS.ownCurrentDirectory(), error != .nameTooLong {
            throw .procUnavailable(error)
        }
        let filter = seccompFilter(onNotice)
        let child: SpawnedChild
        switch Spawn.start(argv: configuration.command, filter: filter, signalMask: configuration.signalMask) {
        case .success(let spawned): child = spawned
        case .failure(let error): throw .spawnFailed(error)
        }
        if case .failure(let error) = Ptrace.seize(child.pid, options: Ptrace.options(seccomp: !stepping)) {
            Spawn.abandon(child)   // it exits 125 without running the command
            Wait.reap(child.pid)
            _ = Spawn.readReport(child)
            throw .ptraceRefused(error)
        }
        self.child = child
        tasks.insertIfAbsent(child.pid)
        if configuration.releaseDaemons { daemons = Daemons(command: child.pid) }
        processTree?.addCommand(child.pid, argv: configuration.command)
        spawning = child.pid
        return child
    }

    /// The filter the command starts with: the table's calls traced (unless stepping), io_uring_setup refused
    /// (unless allowed). Nil when there is nothing to filter or it cannot be built.
    private func seccompFilter(_ onNotice: (String) -> Void) -> SeccompFilter? {
        if configuration.seccomp {
            do {
                return try SeccompFilter(table: decoder.table,
                                         purpose: .traceTable(allowRings: configuration.allowRings))
            } catch {
                fallBackToStepping(because: "the seccomp filter could not be built (\(error))", onNotice)
            }
        }
        // Stepping sees every call, but only a filter can make io_uring_setup fail; without one (refused by
        // the kernel, or not built), a ring the command sets up is seen at its exit and warned about.
        guard !configuration.allowRings else { return nil }
        return try? SeccompFilter(table: decoder.table, purpose: .refuseRings)
    }

    /// The child's status pipe, read once, when its process has exec'd or ended.
    private func readChildReport() -> ChildReport? {
        guard !childReportRead, let child else { return nil }
        childReportRead = true
        return Spawn.readReport(child)
    }

    /// One stop: what it means for the report, and how the task is resumed. Each case resumes its task (or,
    /// for an end, has none left to resume).
    private func dispatch(_ event: StopEvent, _ onNotice: (String) -> Void) throws(TraceError) {
        if processTree != nil {
            noteProcesses(event)
            assignTasks()
        }
        switch event {
        case .exited(let task, let code):
            tasks.remove(task)
            events?.forget(task)
            if daemons?.ended(task, tasks: tasks) == true { onlyDaemonsLeft = true }
            guard task == child?.pid else { return }
            outcome = .exited(code)
            if let report = readChildReport() {
                if let error = report.execFailure { outcome = .execFailed(error) }
                if let error = report.setupFailure { throw .childSetupFailed(error) }
            }
        case .killed(let task, let signal):
            tasks.remove(task)
            events?.forget(task)
            if task == child?.pid { outcome = .killed(signal: signal) }
            if daemons?.ended(task, tasks: tasks) == true { onlyDaemonsLeft = true }
        case .syscall(let task):
            stops.syscall += 1
            handleSyscallStop(task)
        case .seccomp(let task):
            stops.seccomp += 1
            handleSeccompStop(task)
        case .newTask(let task):
            stops.events += 1
            if case .success(let newTask) = Ptrace.eventMessage(task) { tasks.insertIfAbsent(TaskID(newTask)) }
            resume(task)
        case .exec(let task):
            stops.events += 1
            if task == child?.pid, let report = readChildReport(), let error = report.seccompRefused {
                fallBackToStepping(because: "the kernel refused the seccomp filter (\(error))", onNotice)
            }
            handleExec(task)
        case .groupStop(let task, _):
            stops.signals += 1
            // PTRACE_LISTEN leaves the task stopped, as it would be untraced, until SIGCONT wakes it;
            // the wake-up arrives as an event stop.
            _ = Ptrace.listen(task)
        case .eventStop(let task), .otherEvent(let task, _):
            stops.events += 1
            tasks.insertIfAbsent(task)
            resume(task)
        case .signal(let task, let signal):
            stops.signals += 1
            tasks.insertIfAbsent(task)
            resume(task, signal: signal)
        }
    }

    /// The report, once every task has ended, with the warnings the trace gathered.
    private func finish(daemons: [Daemon] = []) -> TraceResult {
        warnings += daemons.map(\.warning)
        if ringsSetUp > 0 {
            warnings.append("the command set up \(ringsSetUp) io_uring instance\(ringsSetUp == 1 ? "" : "s"): files it "
                + "opened, read or wrote through io_uring are not seen"
                + (configuration.allowRings ? " (--allow-io-uring)"
                    : " (io_uring_setup could not be refused: no seccomp filter)"))
        }
        warnings += cloneWarnings() + longPathWarnings()
        if undecoded > 0 {
            warnings.append("\(undecoded) successful call\(undecoded == 1 ? "" : "s") could not be decoded "
                + "(unreadable tracee memory or a vanished process); the report may miss them")
        }
        var report = builder.build(command: configuration.command, outcome: outcome ?? .killed(signal: 9),
                                   warnings: warnings, processes: processTree?.processes)
        if processTree != nil { report.tasks = builder.taskRecords() }
        report.engine = "ptrace"
        return TraceResult(report: report, stops: stops, seccompActive: !stepping, usedSyscallInfo: useSyscallInfo,
                           daemons: daemons)
    }

    /// After `run` returned with daemons: keeps them running until they have all exited, recording nothing.
    /// Each stop is resumed as an untraced process would go on: a seccomp stop lets its call run, a signal is
    /// delivered, a group-stop stays stopped (PTRACE_LISTEN); new tasks are followed (they inherit the filter).
    /// PTRACE_CONT everywhere, so that with stepping the daemons no longer stop at every syscall.
    public func serveDaemons() {
        while true {
            switch waits.nextStop() {
            case .success(let event):
                switch event {
                case .exited, .killed: break
                case .groupStop(let task, _): _ = Ptrace.listen(task)
                case .signal(let task, let signal): _ = Ptrace.resume(task, signal: signal)
                default: _ = Ptrace.resume(event.task)
                }
            case .failure(.interrupted):
                continue
            case .failure:
                return   // ECHILD: every daemon has exited
            }
        }
    }

    /// Children started with CLONE_UNTRACED that could not be followed (the flag could not be cleared).
    private func cloneWarnings() -> [String] {
        let count = decoder.unfollowedClones
        guard count > 0 else { return [] }
        return ["\(count) process\(count == 1 ? "" : "es") started with CLONE_UNTRACED could not be followed "
            + "(the flag could not be cleared): what they did is not in the report"]
    }

    private func longPathWarnings() -> [String] {
        guard unresolvedPaths > 0 else { return [] }
        return ["\(unresolvedPaths) successful call\(unresolvedPaths == 1 ? "" : "s") named a path under a directory "
            + "whose name is longer than PATH_MAX and was reached outside the trace (/proc cannot give it): "
            + "\(unresolvedPaths == 1 ? "that path is" : "those paths are") not in the report"]
    }

    // MARK: - Stops

    /// The process tree's part of a stop (`--processes` only): a task seen for the first time, a new task
    /// announced by its creator's event, a thread group leader's end. Exec events are `handleExec`'s.
    private func noteProcesses(_ event: StopEvent) {
        switch event {
        case .exited(let task, let code):
            processTree?.ended(task, .exited(code))
        case .killed(let task, let signal):
            processTree?.ended(task, .killed(signal: signal))
        case .newTask(let task):
            processTree?.note(task)
            if case .success(let newTask) = Ptrace.eventMessage(task) { processTree?.note(TaskID(newTask)) }
        case .exec:
            break
        default:
            processTree?.note(event.task)
        }
    }

    /// Tells the builder which processes changed build task (a new process of a task, an exec naming one).
    private func assignTasks() {
        guard let assignments = processTree?.takeTaskAssignments(), !assignments.isEmpty else { return }
        for (process, task) in assignments { builder.assign(process: process, to: task) }
    }

    private func fallBackToStepping(because reason: String, _ onNotice: (String) -> Void) {
        guard !stepping else { return }
        stepping = true
        // Said once, on stderr; the report stays the same, so it is no warning of the report's.
        onNotice("\(reason); stepping every syscall instead (slower, same report)")
    }

    /// Reads the syscall fields at a stop; nil when the task vanished.
    private func fields(of task: TaskID, atEntry: Bool) -> SyscallFields? {
        if useSyscallInfo {
            switch Ptrace.syscallInfo(task) {
            case .success(let info) where info.op != .none:
                return info
            case .failure(.noSuchProcess):
                return nil
            default:
                // EIO/EINVAL: a kernel before 5.3. Registers from now on.
                useSyscallInfo = false
            }
        }
        switch Ptrace.syscallRegisters(task, atEntry: atEntry) {
        case .success(let registers): return registers
        case .failure: return nil
        }
    }

    /// A seccomp stop is a syscall entry the filter chose: decode it, and take the exit stop only when the
    /// report needs the outcome.
    private func handleSeccompStop(_ task: TaskID) {
        guard task != spawning, let call = fields(of: task, atEntry: true) else { return resume(task) }
        let decoding = decoder.decodeEntry(of: task, call, builder: builder, tasks: &tasks)
        let setsid = daemons?.entry(of: task, auditArch: call.auditArch, number: call.number) == true
        if case .ignore = decoding {
            // setsid's exit says whether the task left the command's session: take its exit stop.
            tasks.set(task, setsid ? .inSyscall(.ignore) : .running)
        } else {
            tasks.set(task, .inSyscall(decoding))
        }
        resume(task)
    }

    /// A syscall-entry or -exit stop: the phase in the table says which (ptrace(2): "syscall-enter-stop and
    /// syscall-exit-stop are indistinguishable from each other by the tracer").
    private func handleSyscallStop(_ task: TaskID) {
        switch tasks.phase(of: task) {
        case .running:
            if task == spawning {
                tasks.set(task, .inSyscall(.ignore))
                return resume(task)
            }
            guard let call = fields(of: task, atEntry: true) else { return resume(task) }
            _ = daemons?.entry(of: task, auditArch: call.auditArch, number: call.number)
            tasks.set(task, .inSyscall(decoder.decodeEntry(of: task, call, builder: builder, tasks: &tasks)))
        case .inSyscall(let decoding):
            tasks.set(task, .running)
            if daemons?.exit(of: task, tasks: tasks) == true { onlyDaemonsLeft = true }
            switch decoding {
            case .ignore:
                break
            case .pending(let pending):
                if let call = fields(of: task, atEntry: false) {
                    let failure = record(pending, exit: call, task)
                    if pending.undecoded && failure == nil { undecoded += 1 }
                }
                if pending.changesDirectories { tasks.endDirectoryChange() }
            case .undecodable:
                if let call = fields(of: task, atEntry: false), !call.failed { undecoded += 1 }
            case .directoryChange:
                tasks.endDirectoryChange()
            case .ringSetup:
                if let call = fields(of: task, atEntry: false), !call.failed { ringsSetUp += 1 }
            case .enterDirectory, .openLongPath, .unresolvable:
                finishLongPathCall(task, decoding)
            }
        }
        resume(task)
    }

    /// Records a call at its exit stop, into the report and the event stream; its failure, nil on success.
    @discardableResult
    private func record(_ pending: PendingCall, exit call: SyscallFields, _ task: TaskID) -> Errno? {
        let failure = call.failed ? Errno(Int32(truncatingIfNeeded: -call.returnValue)) : nil
        // Only a read-only open is checked (a write of a directory fails with EISDIR), and only inside the
        // workspace (pending is nil elsewhere): one stat per such open.
        let directory = failure == nil && pending.listIfDirectory
            && ProcFS.isDirectory(task, fd: Int32(truncatingIfNeeded: call.returnValue))
        builder.record(pending, failure: failure, openedDirectory: directory, process: processTree?.process(of: task))
        events?.emit(pending, failure: failure, openedDirectory: directory, task: task)
        return failure
    }

    /// The exit of a call whose entry met a path longer than /proc can give back (see `Decoder.procNameLimit`):
    /// a chdir or an open whose directory's name the decoder keeps, or a call it could not resolve.
    private func finishLongPathCall(_ task: TaskID, _ decoding: EntryDecoding) {
        guard let call = fields(of: task, atEntry: false) else {
            if decoding.changesDirectories { tasks.endDirectoryChange() }
            return
        }
        switch decoding {
        case .enterDirectory(let path):
            tasks.endDirectoryChange()
            if !call.failed, let path { decoder.enteredDirectory(task, path, tasks: &tasks) }
        case .openLongPath(let path, let pending):
            if let pending { record(pending, exit: call, task) }
            if !call.failed { decoder.openedLongPath(task, fd: Int32(truncatingIfNeeded: call.returnValue), path) }
        case .unresolvable:
            if !call.failed { unresolvedPaths += 1 }
        default:
            break
        }
    }

    /// PTRACE_EVENT_EXEC. When a thread other than the leader execs, the kernel kills the other threads,
    /// and the execing thread takes the leader's tid (ptrace(2), "execve(2) under ptrace"); the event
    /// message is its former tid, whose state moves to the leader's.
    private func handleExec(_ task: TaskID) {
        var former = task
        if case .success(let message) = Ptrace.eventMessage(task) { former = TaskID(message) }
        if former != task { tasks.move(former, to: task) }
        // Before the record below: the process keeps its number across the exec, whichever thread made it.
        processTree?.exec(task, former: former)
        assignTasks()
        // The exec succeeded (this event comes only then, before its exit stop): the file its entry decoded
        // was run. A failed exec has an ordinary exit stop, where a missing file is recorded.
        if case .inSyscall(.pending(let pending)) = tasks.phase(of: task) {
            builder.record(pending, failure: nil, process: processTree?.process(of: task))
            events?.emit(pending, failure: nil, task: task)
        }
        if task == spawning { spawning = nil }
        // Stepping, the execve's exit stop comes next; otherwise the task runs on.
        tasks.set(task, stepping ? .inSyscall(.ignore) : .running)
        resume(task)
    }

    /// Resumes a task: to its next syscall stop when stepping or awaiting an exit, else to its next event.
    /// ESRCH means it was killed while stopped: its exit is still to come, nothing to do now.
    private func resume(_ task: TaskID, signal: Int32 = 0) {
        let toSyscall: Bool
        if stepping {
            toSyscall = true
        } else if case .inSyscall = tasks.phase(of: task) {
            toSyscall = true
        } else {
            toSyscall = false
        }
        _ = toSyscall ? Ptrace.resumeToSyscall(task, signal: signal) : Ptrace.resume(task, signal: signal)
    }
}
