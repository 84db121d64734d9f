import Kernel
import TraceModel
/// The traced processes (thread groups), kept only when the report is to show them (`--processes`): who
/// started each, what it ran, where, and how it ended. Without it the tracer reads nothing of this from /proc.
///
/// A process is numbered by the order it was first seen, and the report builder attributes accesses to that
/// number, not to the pid: a pid the kernel reuses within one trace is a new process.
struct ProcessTree {
    private var records: [ProcessRecord] = []
    /// Each live task's process number (its thread group's record).
    private var processOfTask: [TaskID: Int] = [:]
    private var buffer = [UInt8](repeating: 0, count: TraceeMemory.pathCapacity)
    /// Processes whose build task was set since the last `takeTaskAssignments`, for the report builder.
    private var taskAssignments: [(process: Int, task: BuildTask?)] = []

    /// The command's process, right after it was seized and before its exec: its parent is the tracer, and
    /// its argv the command's (until the exec, /proc shows the tracer's own, which it was forked from).
    mutating func addCommand(_ pid: TaskID, argv: [[UInt8]]) {
        note(pid)
        if let index = processOfTask[pid] { records[index].argv = argv }
    }

    /// A task the trace has not seen before (its own first stop, or its creator's fork/clone event: ptrace(2)
    /// gives no order between the two), or one already known, which costs one lookup. A new thread joins its
    /// group's process; a new thread group is a new process, whose argv and cwd are its parent's copies until
    /// it execs. The task has not run yet either way (a new tracee starts with a stop the tracer has not
    /// resumed), so /proc shows it as its creator left it.
    mutating func note(_ task: TaskID) {
        guard processOfTask[task] == nil else { return }
        let identity: ProcFS.TaskIdentity
        switch ProcFS.identity(of: task) {
        case .success(let read): identity = read
        // Gone already (killed before its first stop was handled): a process of its own, parent unknown.
        case .failure: identity = ProcFS.TaskIdentity(threadGroup: task, parent: 0)
        }
        if identity.threadGroup != task {
            // A thread. Its leader was seen first (a thread is made by a thread of its group, which was seen),
            // unless the leader's stops were never seen at all; then the leader is noted now.
            if processOfTask[identity.threadGroup] == nil { note(identity.threadGroup) }
            processOfTask[task] = processOfTask[identity.threadGroup]
            return
        }
        let argv: [[UInt8]]
        switch ProcFS.commandLine(of: task) {
        case .success(let read): argv = read
        case .failure: argv = records.last(where: { $0.pid == identity.parent })?.argv ?? []
        }
        // A new process works for its parent's task until an exec of its own says otherwise.
        let inherited = records.last(where: { $0.pid == identity.parent })?.task
        processOfTask[task] = records.count
        if inherited != nil { taskAssignments.append((records.count, inherited)) }
        records.append(ProcessRecord(pid: task, parent: identity.parent, argv: argv, cwd: currentDirectory(of: task),
                                     end: nil, task: inherited))
    }

    /// PTRACE_EVENT_EXEC of `task` (the thread group leader's tid, which the execing thread now carries),
    /// formerly `former`: argv and cwd as the new program starts.
    mutating func exec(_ task: TaskID, former: TaskID) {
        if former != task { processOfTask.removeValue(forKey: former) }
        note(task)
        guard let index = processOfTask[task] else { return }
        if case .success(let argv) = ProcFS.commandLine(of: task) { records[index].argv = argv }
        records[index].cwd = currentDirectory(of: task)
        // Exact: at PTRACE_EVENT_EXEC the new program's stack (its environment strings, which /proc/PID/environ
        // reads between mm->env_start and env_end) is laid out and the task is stopped before its first
        // instruction, so the environment is the one the exec passed, not yet changed by the program itself.
        if case .success(let environment) = ProcFS.environment(of: task) {
            let task = BuildTask.inherited(from: records[index].task, exec: BuildTask(environment: environment))
            if task != records[index].task {
                records[index].task = task
                taskAssignments.append((index, task))
            }
        }
    }

    /// The processes whose task changed since the last call: the builder attributes their accesses from now on.
    mutating func takeTaskAssignments() -> [(process: Int, task: BuildTask?)] {
        defer { taskAssignments.removeAll() }
        return taskAssignments
    }

    /// A task's exit or death. Only the thread group leader's is the process's end: the kernel reports the
    /// leader last (after every other thread), with the group's exit status (wait(2), exit_group(2)).
    mutating func ended(_ task: TaskID, _ end: ProcessEnd) {
        guard let index = processOfTask.removeValue(forKey: task) else { return }
        if records[index].pid == task { records[index].end = end }
    }

    /// The process number of a live task, for the report builder's attribution.
    func process(of task: TaskID) -> Int? { processOfTask[task] }

    /// Every process seen, in the order first seen (a parent before its children).
    var processes: [ProcessRecord] { records }

    private mutating func currentDirectory(of task: TaskID) -> [UInt8] {
        switch ProcFS.currentDirectory(of: task, buffer: &buffer) {
        case .success(let directory): return directory
        case .failure: return []
        }
    }
}
