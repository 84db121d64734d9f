import Kernel
import TraceModel

/// Where a tracee is between stops.
enum TaskPhase {
    /// In user space, or stopped outside a syscall.
    case running
    /// Between a syscall's entry and its exit, with what the entry decoded.
    case inSyscall(EntryDecoding)
}

/// One traced task.
struct TaskState {
    var phase: TaskPhase = .running
    /// The task's current directory as last read from /proc/TID/cwd, while it is provably unchanged
    /// (see `ProcessTable.forgetDirectories`).
    var cachedDirectory: [UInt8]?
}

/// The state of every task the trace follows, keyed by tid. A task enters at its first stop, whichever
/// comes first: its own first stop or its parent's fork/clone event (ptrace(2) gives no order between
/// them); nothing of a new task needs the parent's event, so the race needs no state of its own. A task
/// leaves at its exit, so the table holds only live tasks.
struct ProcessTable {
    private var tasks: [TaskID: TaskState] = [:]
    /// Calls that may change some task's current directory (or what its path reads as) whose exit has not
    /// been seen yet. While any is in flight no directory is cached: the kernel may change it at any time.
    private var directoryChangesInFlight = 0

    var count: Int { tasks.count }
    var isEmpty: Bool { tasks.isEmpty }
    /// The live tasks' ids, in no order.
    var taskIDs: Dictionary<TaskID, TaskState>.Keys { tasks.keys }

    /// The task's phase; a task not seen before is running (new tasks start outside any syscall: the
    /// kernel clears syscall tracing in the child, kernel/fork.c copy_process).
    mutating func phase(of task: TaskID) -> TaskPhase {
        if let state = tasks[task] { return state.phase }
        tasks[task] = TaskState()
        return .running
    }

    mutating func set(_ task: TaskID, _ phase: TaskPhase) { tasks[task, default: TaskState()].phase = phase }

    mutating func insertIfAbsent(_ task: TaskID) {
        if tasks[task] == nil { tasks[task] = TaskState() }
    }

    /// Forgets the task; a directory change it died in the middle of is over.
    mutating func remove(_ task: TaskID) {
        if case .inSyscall(let decoding) = tasks.removeValue(forKey: task)?.phase, decoding.changesDirectories {
            endDirectoryChange()
        }
    }

    /// After an exec by a non-leader thread, the execing thread carries on under the leader's tid; the
    /// leader's own state is gone (the kernel reports no exit for it).
    mutating func move(_ from: TaskID, to: TaskID) {
        if case .inSyscall(let decoding) = tasks[to]?.phase, decoding.changesDirectories { endDirectoryChange() }
        tasks[to] = tasks.removeValue(forKey: from) ?? TaskState()
    }

    // MARK: - Current directories

    /// The cached directory of `task`, if one may be used.
    func cachedDirectory(of task: TaskID) -> [UInt8]? {
        directoryChangesInFlight == 0 ? tasks[task]?.cachedDirectory : nil
    }

    mutating func cacheDirectory(_ directory: [UInt8], for task: TaskID) {
        guard directoryChangesInFlight == 0 else { return }
        tasks[task, default: TaskState()].cachedDirectory = directory
    }

    /// At the entry of chdir, fchdir, a rename, a mount change and the like: any task's directory may
    /// change (threads share it with CLONE_FS; a rename changes the name of a directory many tasks are in).
    mutating func beginDirectoryChange() {
        directoryChangesInFlight += 1
        forgetDirectories()
    }

    /// At its exit (or the death of the task in it).
    mutating func endDirectoryChange() {
        directoryChangesInFlight = max(0, directoryChangesInFlight - 1)
        forgetDirectories()
    }

    private mutating func forgetDirectories() {
        for task in tasks.keys { tasks[task]?.cachedDirectory = nil }
    }
}
