/// An open whose entry was decoded, waiting for its exit to say whether it succeeded.
struct PendingCall {
    var path: [UInt8]
    var flags: OpenFlags
}

/// Where a tracee is between stops.
enum TaskPhase {
    /// In user space, or stopped outside a syscall.
    case running
    /// Between a syscall's entry and its exit, with what the entry decoded.
    case inSyscall(EntryDecoding)
}

/// The state of every task the trace follows, keyed by tid. A task enters at its first stop, whichever
/// comes first: its own first stop or its parent's fork/clone event (ptrace(2) gives no order between
/// them); nothing of a new task needs the parent's event, so the race needs no state of its own. A task
/// leaves at its exit, so the table holds only live tasks.
struct ProcessTable {
    private var tasks: [TaskID: TaskPhase] = [:]

    var count: Int { tasks.count }
    var isEmpty: Bool { tasks.isEmpty }

    /// The task's phase; a task not seen before is running (new tasks start outside any syscall: the
    /// kernel clears syscall tracing in the child, kernel/fork.c copy_process).
    mutating func phase(of task: TaskID) -> TaskPhase {
        if let phase = tasks[task] { return phase }
        tasks[task] = .running
        return .running
    }

    mutating func set(_ task: TaskID, _ phase: TaskPhase) { tasks[task] = phase }

    mutating func insertIfAbsent(_ task: TaskID) {
        if tasks[task] == nil { tasks[task] = .running }
    }

    mutating func remove(_ task: TaskID) { tasks[task] = nil }

    /// After an exec by a non-leader thread, the execing thread carries on under the leader's tid.
    mutating func move(_ from: TaskID, to: TaskID) {
        tasks[to] = tasks.removeValue(forKey: from) ?? .running
    }
}
