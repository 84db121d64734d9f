import CPtrace
import TraceModel

/// The process the caller waits for, split from the one that traces, so that the trace can go on serving
/// daemons after the caller has its report and status (see `Tracer.serveDaemons`).
package enum Monitor {
    /// `cptrace_monitor_fork`: returns in the child only, with the descriptor `release` takes. The monitor
    /// (the caller's process) exits with the child's status.
    package static func split() -> Result<Int32, Errno> {
        var fd: Int32 = -1
        return valueOrErrno(cptrace_monitor_fork(&fd)).map { _ in fd }
    }

    /// `cptrace_monitor_release`: the monitor exits with `status` now; this process carries on detached from
    /// the caller (own session, stdin/stdout/stderr on /dev/null).
    package static func release(_ fd: Int32, status: Int32) -> Result<Void, Errno> {
        valueOrErrno(cptrace_monitor_release(fd, status)).map { _ in () }
    }
}
