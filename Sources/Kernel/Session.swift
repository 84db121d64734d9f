#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TraceModel

/// Sessions (setsid(2), credentials(7)): how the tracer tells a daemon from the command's own processes.
package enum Session {
    /// getsid(2) of a task (any thread of a process gives the process's session). Linux answers for a task of
    /// any session (getsid(2), NOTES: "Linux does not return EPERM"); ESRCH when it is gone.
    package static func of(_ task: TaskID) -> Result<Int32, Errno> {
        let session = getsid(task)
        return session >= 0 ? .success(session) : .failure(Errno(errno))
    }

    /// The session of the calling process.
    package static func own() -> Int32 { getsid(0) }
}
