#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CPtrace
import TraceModel

/// waitpid(2) for the calling thread's own tasks.
package enum Wait {
    /// `cptrace_waitpid(-1, __WALL | __WNOTHREAD)`: the next stop or exit of any task this thread traces
    /// or forked, and of no other thread's. ECHILD means none is left.
    /// `cptrace_waitpid(pid, 0)`: reaps a child that never became a tracee.
    package static func reap(_ pid: TaskID) {
        var status: Int32 = 0
        _ = cptrace_waitpid(pid, &status, 0)
    }

    /// `cptrace_waitpid(pid, WNOHANG)`: the wait status of child `pid` once it has ended (reaping it), nil
    /// while it runs. A child that was never a tracee: the eBPF engine's command.
    package static func ended(_ pid: TaskID) -> Int32? {
        var status: Int32 = 0
        return cptrace_waitpid(pid, &status, WNOHANG) == pid ? status : nil
    }

    package static func nextOwnTask() -> Result<(TaskID, Int32), Errno> {
        var status: Int32 = 0
        return valueOrErrno(cptrace_waitpid(-1, &status, cptrace_wait_options_own_tasks())).map { ($0, status) }
    }

    /// CLOCK_MONOTONIC, in nanoseconds (the vDSO: no syscall).
    package static func monotonicNanoseconds() -> UInt64 { cptrace_monotonic_ns() }

    /// The next stop or exit without blocking; nil when none is ready.
    package static func readyOwnTask() -> (TaskID, Int32)? {
        var status: Int32 = 0
        let pid = cptrace_waitpid(-1, &status, cptrace_wait_options_own_tasks_nohang())
        return pid > 0 ? (pid, status) : nil
    }
}
