import CPtrace
import TraceModel

/// The PTRACE_EVENT_* a stop reports in its wait status (ptrace(2), status >> 16).
package enum PtraceEvent: Int32 {
    case fork = 1
    case vfork = 2
    case clone = 3
    case exec = 4
    case vforkDone = 5
    case exit = 6
    case seccomp = 7
    case stop = 128
}

/// A wait status, read through the <sys/wait.h> macros (`cptrace_W*`). Only `StopEvent` looks inside one.
package struct WaitStatus {
    package let raw: Int32

    package init(raw: Int32) { self.raw = raw }

    /// WEXITSTATUS, when WIFEXITED.
    package var exitCode: Int32? { cptrace_WIFEXITED(raw) ? cptrace_WEXITSTATUS(raw) : nil }
    /// WTERMSIG, when WIFSIGNALED.
    package var terminatingSignal: Int32? { cptrace_WIFSIGNALED(raw) ? cptrace_WTERMSIG(raw) : nil }
    /// WSTOPSIG (SIGTRAP | 0x80 for a syscall stop under PTRACE_O_TRACESYSGOOD).
    package var stopSignal: Int32 { cptrace_WSTOPSIG(raw) }
    /// The ptrace event of a stop; nil for a plain signal stop. An event we do not know keeps its number.
    package var event: Result<PtraceEvent, EventNumber>? {
        let number = cptrace_WPTRACEEVENT(raw)
        if number == 0 { return nil }
        return PtraceEvent(rawValue: number).map { .success($0) } ?? .failure(EventNumber(value: number))
    }

    package struct EventNumber: Error { package let value: Int32 }
}
