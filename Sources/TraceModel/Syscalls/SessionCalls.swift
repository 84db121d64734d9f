/// setsid(2): the one call by which a process leaves its session, and so how a daemon leaves the command's.
/// Not a row of the syscall table (it touches no path, and strace's set and the decoder do not need it):
/// an engine watches it beside the table to tell daemons from the command's own processes.
public enum SessionCalls {
    /// setsid's numbers for an audit arch (asm/unistd_64.h, unistd_x32.h, unistd_32.h, asm-generic/unistd.h).
    public static func setsid(auditArch: UInt32) -> [UInt64] {
        switch auditArch {
        case 0xC000_003E: return [112, 0x4000_0000 | 112]   // x86_64, and x32 (same audit arch, X32 bit)
        case 0x4000_0003: return [66]                        // i386
        case 0xC000_00B7: return [157]                       // aarch64
        case 0x4000_0028: return [66]                        // arm (EABI)
        default: return []
        }
    }
}
