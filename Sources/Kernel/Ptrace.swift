import CPtrace
import TraceModel

/// ptrace(2), one Swift function per request. ESRCH from any of them means the tracee is gone (killed
/// while stopped); callers treat that as "wait for its exit", never as a tracer failure.
package enum Ptrace {
    /// The PTRACE_O_* set we seize with: SYSGOOD, FORK, VFORK, CLONE, EXEC, EXITKILL (and SECCOMP).
    package static func options(seccomp: Bool) -> UInt32 { cptrace_seize_options(seccomp) }

    /// `cptrace_ptrace_seize`: PTRACE_SEIZE, which attaches without stopping the task.
    package static func seize(_ task: TaskID, options: UInt32) -> Result<Void, Errno> {
        valueOrErrno(cptrace_ptrace_seize(task, options)).map { _ in () }
    }

    /// `cptrace_ptrace_syscall`: PTRACE_SYSCALL, resume until the next syscall entry or exit.
    package static func resumeToSyscall(_ task: TaskID, signal: Int32 = 0) -> Result<Void, Errno> {
        valueOrErrno(cptrace_ptrace_syscall(task, signal)).map { _ in () }
    }

    /// `cptrace_ptrace_cont`: PTRACE_CONT, resume until the next event (a seccomp stop included).
    package static func resume(_ task: TaskID, signal: Int32 = 0) -> Result<Void, Errno> {
        valueOrErrno(cptrace_ptrace_cont(task, signal)).map { _ in () }
    }

    /// `cptrace_ptrace_listen`: PTRACE_LISTEN, leave a group-stopped task stopped until SIGCONT.
    package static func listen(_ task: TaskID) -> Result<Void, Errno> {
        valueOrErrno(cptrace_ptrace_listen(task)).map { _ in () }
    }

    /// `cptrace_ptrace_geteventmsg`: the new task of a fork/clone event, the former tid of an exec event.
    package static func eventMessage(_ task: TaskID) -> Result<UInt, Errno> {
        var message: UInt = 0
        return valueOrErrno(cptrace_ptrace_geteventmsg(task, &message)).map { _ in message }
    }

    /// `cptrace_ptrace_get_syscall_info`: PTRACE_GET_SYSCALL_INFO (Linux 5.3).
    package static func syscallInfo(_ task: TaskID) -> Result<SyscallFields, Errno> {
        var call = cptrace_syscall()
        return valueOrErrno(cptrace_ptrace_get_syscall_info(task, &call)).map { _ in SyscallFields(call) }
    }

    /// `cptrace_ptrace_set_syscall_argument`: PTRACE_SETREGSET of argument `index` of the call the task is
    /// stopped at the entry of, in the register ABI `auditArch` passes it in.
    package static func setSyscallArgument(_ task: TaskID, auditArch: UInt32, index: Int, to value: UInt64)
        -> Result<Void, Errno>
    {
        valueOrErrno(cptrace_ptrace_set_syscall_argument(task, auditArch, UInt32(index), value)).map { _ in () }
    }

    /// `cptrace_ptrace_getregset_syscall`: the same fields from PTRACE_GETREGSET(NT_PRSTATUS).
    package static func syscallRegisters(_ task: TaskID, atEntry: Bool) -> Result<SyscallFields, Errno> {
        var call = cptrace_syscall()
        return valueOrErrno(cptrace_ptrace_getregset_syscall(task, &call, atEntry)).map { _ in SyscallFields(call) }
    }
}

/// The PTRACE_SYSCALL_INFO_* phase a syscall-info read reports. The numbers are CPtrace.h's
/// (CPTRACE_SYSCALL_INFO_*): this side only names them.
package enum SyscallInfoOp: RawRepresentable, CaseIterable {
    case none, entry, exit, seccomp

    package var rawValue: UInt8 {
        switch self {
        case .none: return UInt8(CPTRACE_SYSCALL_INFO_NONE)
        case .entry: return UInt8(CPTRACE_SYSCALL_INFO_ENTRY)
        case .exit: return UInt8(CPTRACE_SYSCALL_INFO_EXIT)
        case .seccomp: return UInt8(CPTRACE_SYSCALL_INFO_SECCOMP)
        }
    }

    package init?(rawValue: UInt8) {
        guard let op = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = op
    }
}

/// A syscall stop's fields, whichever way they were read.
package struct SyscallFields {
    /// PTRACE_SYSCALL_INFO_*'s phase; `.none` for a register read (the caller knows the phase).
    package var op: SyscallInfoOp
    package var auditArch: UInt32
    package var number: UInt64
    package var arguments: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    package var returnValue: Int64
    package var failed: Bool

    package init(_ raw: cptrace_syscall) {
        op = SyscallInfoOp(rawValue: raw.op) ?? .none
        auditArch = raw.arch
        number = raw.nr
        arguments = raw.args
        returnValue = raw.rval
        failed = raw.is_error
    }

    package func argument(_ index: Int) -> UInt64 {
        switch index {
        case 0: return arguments.0
        case 1: return arguments.1
        case 2: return arguments.2
        case 3: return arguments.3
        case 4: return arguments.4
        default: return arguments.5
        }
    }
}

