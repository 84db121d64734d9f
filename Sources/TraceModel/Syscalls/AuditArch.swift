/// AUDIT_ARCH_* (linux/audit.h): the kernel's names for syscall ABIs, as seccomp, syscall info and the
/// eBPF program give them. Data like the table's numbers: SyscallTableTests checks each against the header.
public enum AuditArch {
    /// EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
    public static let x86_64: UInt32 = 0xC000_003E
    /// EM_386 | __AUDIT_ARCH_LE
    public static let i386: UInt32 = 0x4000_0003
    /// EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
    public static let aarch64: UInt32 = 0xC000_00B7
    /// EM_ARM | __AUDIT_ARCH_LE
    public static let arm: UInt32 = 0x4000_0028
    /// __X32_SYSCALL_BIT (asm/unistd.h): x32 calls run under AUDIT_ARCH_X86_64 with this bit in the number.
    public static let x32SyscallBit: UInt32 = 0x4000_0000
}

/// A thread id (the kernel's pid of a task); a process is named by its thread group leader's.
public typealias TaskID = Int32
