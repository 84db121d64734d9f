import CPtrace

/// waitpid(2) for the calling thread's own tasks.
enum Wait {
    /// `cptrace_waitpid(-1, __WALL | __WNOTHREAD)`: the next stop or exit of any task this thread traces
    /// or forked, and of no other thread's. ECHILD means none is left.
    /// `cptrace_waitpid(pid, 0)`: reaps a child that never became a tracee.
    static func reap(_ pid: TaskID) {
        var status: Int32 = 0
        _ = cptrace_waitpid(pid, &status, 0)
    }

    static func nextOwnTask() -> Result<(TaskID, Int32), Errno> {
        var status: Int32 = 0
        return valueOrErrno(cptrace_waitpid(-1, &status, cptrace_wait_options_own_tasks())).map { ($0, status) }
    }

    /// The next stop or exit without blocking; nil when none is ready.
    static func readyOwnTask() -> (TaskID, Int32)? {
        var status: Int32 = 0
        let pid = cptrace_waitpid(-1, &status, cptrace_wait_options_own_tasks() | 1 /* WNOHANG */)
        return pid > 0 ? (pid, status) : nil
    }
}

/// Stops collected a batch at a time: a blocking wait, then every stop already pending, handled in the order
/// collected. waitpid(-1) alone returns the first stopped task in the kernel's list, so with many threads the
/// first few are served again and again while the rest wait stopped; a batch serves each in turn. A sweep
/// that finds nothing costs a wait4, so after empty sweeps the next ones are spaced out (1, 2, 4 ... 64
/// blocking waits apart) until one finds a stop again.
struct WaitBatch {
    private var pending: [(TaskID, Int32)] = []
    private var next = 0
    private var waitsBeforeSweep = 0
    private var spacing = 0

    mutating func nextOwnTask() -> Result<(TaskID, Int32), Errno> {
        if next < pending.count {
            defer { next += 1 }
            return .success(pending[next])
        }
        pending.removeAll(keepingCapacity: true)
        next = 0
        let first = Wait.nextOwnTask()
        guard case .success(let stop) = first else { return first }
        if waitsBeforeSweep > 0 {
            waitsBeforeSweep -= 1
            return .success(stop)
        }
        while let more = Wait.readyOwnTask() { pending.append(more) }
        if pending.isEmpty {
            spacing = min(max(1, spacing * 2), 64)
            waitsBeforeSweep = spacing
        } else {
            spacing = 0
        }
        return .success(stop)
    }
}
