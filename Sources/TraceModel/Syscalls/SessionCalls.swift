/// setsid(2): the one call by which a process leaves its session, and so how a daemon leaves the command's.
/// Not a row of the syscall table (it touches no path, and strace's set and the decoder do not need it):
/// an engine watches it beside the table to tell daemons from the command's own processes.
public enum SessionCalls {
    /// setsid's numbers for an audit arch (asm/unistd_64.h, unistd_x32.h, unistd_32.h, asm-generic/unistd.h).
    public static func setsid(auditArch: UInt32) -> [UInt64] {
        switch auditArch {
        case AuditArch.x86_64: return [112, UInt64(AuditArch.x32SyscallBit) | 112]   // and x32 (the X32 bit)
        case AuditArch.i386: return [66]
        case AuditArch.aarch64: return [157]
        case AuditArch.arm: return [66]                                               // EABI
        default: return []
        }
    }
}
