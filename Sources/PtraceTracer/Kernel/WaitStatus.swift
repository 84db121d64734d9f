import CPtrace

/// The PTRACE_EVENT_* a stop reports in its wait status (ptrace(2), status >> 16).
enum PtraceEvent: Int32 {
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
struct WaitStatus {
    let raw: Int32

    /// WEXITSTATUS, when WIFEXITED.
    var exitCode: Int32? { cptrace_WIFEXITED(raw) ? cptrace_WEXITSTATUS(raw) : nil }
    /// WTERMSIG, when WIFSIGNALED.
    var terminatingSignal: Int32? { cptrace_WIFSIGNALED(raw) ? cptrace_WTERMSIG(raw) : nil }
    /// WSTOPSIG (SIGTRAP | 0x80 for a syscall stop under PTRACE_O_TRACESYSGOOD).
    var stopSignal: Int32 { cptrace_WSTOPSIG(raw) }
    /// The ptrace event of a stop; nil for a plain signal stop. An event we do not know keeps its number.
    var event: Result<PtraceEvent, EventNumber>? {
        let number = cptrace_WPTRACEEVENT(raw)
        if number == 0 { return nil }
        return PtraceEvent(rawValue: number).map { .success($0) } ?? .failure(EventNumber(value: number))
    }

    struct EventNumber: Error { let value: Int32 }
}

/// AUDIT_ARCH_* (linux/audit.h): the kernel's names for syscall ABIs, as seccomp and syscall info give them.
enum AuditArch {
    static let x86_64 = UInt32(CPTRACE_AUDIT_ARCH_X86_64)
    static let i386 = UInt32(CPTRACE_AUDIT_ARCH_I386)
    static let aarch64 = UInt32(CPTRACE_AUDIT_ARCH_AARCH64)
    static let arm = UInt32(CPTRACE_AUDIT_ARCH_ARM)
    /// __X32_SYSCALL_BIT: x32 calls run under AUDIT_ARCH_X86_64 with this bit in the number.
    static let x32SyscallBit = UInt32(CPTRACE_X32_SYSCALL_BIT)
}
