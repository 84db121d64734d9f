import Kernel
import TraceModel

/// Tells when only daemons are left: processes that left the command's session (setsid) and outlive it.
///
/// The command's session is the tracer's own when it starts, or the command process's new one if the command
/// itself calls setsid. Everything left in it has exited when the command's process has ended and no traced
/// task is in that session. That can only become true when a task ends or a setsid returns (a fork adds a
/// task to its parent's session and nothing else moves a process between sessions: setsid(2), credentials(7)),
/// so the check runs exactly then, and never before the command's process has ended. Sessions are read with
/// getsid(2) at those moments rather than tracked at every fork: one syscall per check, most often answered by
/// the task found in the session last time, and no /proc read per new process.
///
/// setsid is not in the syscall table: the seccomp filter stops it beside the table's calls (`SessionCalls`)
/// and the tracer asks for its exit stop; stepping sees it anyway.
struct Daemons {
    private let command: TaskID
    private var commandSession: Int32
    private var commandEnded = false
    /// Tasks inside a setsid call, whose exit stop is to be checked.
    private var inSetsid: Set<TaskID> = []
    /// The task last found in the command's session: usually still there, so a check costs one getsid.
    private var lastInSession: TaskID?

    init(command: TaskID) {
        self.command = command
        commandSession = (try? Session.of(command).get()) ?? Session.own()
    }

    /// At a syscall entry: whether it is setsid, whose exit stop the tracer must then take.
    mutating func entry(of task: TaskID, auditArch: UInt32, number: UInt64) -> Bool {
        guard SessionCalls.setsid(auditArch: auditArch).contains(number) else { return false }
        inSetsid.insert(task)
        return true
    }

    /// At a syscall exit stop: true when a setsid returned and only daemons are left.
    mutating func exit(of task: TaskID, tasks: ProcessTable) -> Bool {
        guard inSetsid.remove(task) != nil else { return false }
        // The command's own setsid moves the command's session with it.
        if task == command, !commandEnded, case .success(let session) = Session.of(task) { commandSession = session }
        return onlyDaemonsLeft(tasks)
    }

    /// At a task's end (the table no longer holds it): true when only daemons are left.
    mutating func ended(_ task: TaskID, tasks: ProcessTable) -> Bool {
        inSetsid.remove(task)
        if task == command { commandEnded = true }
        return onlyDaemonsLeft(tasks)
    }

    private mutating func onlyDaemonsLeft(_ tasks: ProcessTable) -> Bool {
        guard commandEnded, !tasks.isEmpty else { return false }
        if let last = lastInSession, case .success(let session) = Session.of(last), session == commandSession {
            return false
        }
        for task in tasks.taskIDs {
            switch Session.of(task) {
            case .success(let session) where session == commandSession:
                lastInSession = task
                return false
            case .success:
                continue
            case .failure:
                // Gone (ESRCH), its end not reported yet: no daemon, and the check runs again at that end.
                return false
            }
        }
        return true
    }

    /// The daemons among `tasks`, one per process, with their command lines.
    static func processes(among tasks: ProcessTable) -> [Daemon] {
        var seen: Set<TaskID> = []
        var daemons: [Daemon] = []
        for task in tasks.taskIDs.sorted() {
            let process = (try? ProcFS.identity(of: task).get())?.threadGroup ?? task
            guard seen.insert(process).inserted else { continue }
            daemons.append(Daemon(pid: process, argv: (try? ProcFS.commandLine(of: process).get()) ?? []))
        }
        return daemons
    }
}
