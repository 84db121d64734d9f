import CPtrace
import TraceModel

/// The PTRACE_EVENT_* a stop reports in its wait status (ptrace(2), status >> 16). The numbers are CPtrace.h's
/// (CPTRACE_EVENT_*, checked there against libc's): this side only names them.
package enum PtraceEvent: RawRepresentable, CaseIterable {
    case fork, vfork, clone, exec, vforkDone, exit, seccomp, stop

    package var rawValue: Int32 {
        switch self {
        case .fork: return Int32(CPTRACE_EVENT_FORK)
        case .vfork: return Int32(CPTRACE_EVENT_VFORK)
        case .clone: return Int32(CPTRACE_EVENT_CLONE)
        case .exec: return Int32(CPTRACE_EVENT_EXEC)
        case .vforkDone: return Int32(CPTRACE_EVENT_VFORK_DONE)
        case .exit: return Int32(CPTRACE_EVENT_EXIT)
        case .seccomp: return Int32(CPTRACE_EVENT_SECCOMP)
        case .stop: return Int32(CPTRACE_EVENT_STOP)
        }
    }

    package init?(rawValue: Int32) {
        guard let event = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = event
    }
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
