import CPtrace

// Numbers from include/uapi/asm-generic/unistd.h (aarch64 has no open or creat) and
// arch/arm/tools/syscall.tbl for 32-bit compat tasks.
extension SyscallTable {
    static let aarch64 = SyscallABI(
        name: "aarch64", auditArch: UInt32(CPTRACE_AUDIT_ARCH_AARCH64), flagBits: .arm,
        rows: [
            SyscallDescriptor(56, "openat", .open(dirfd: 0, path: 1, flags: 2)),
            SyscallDescriptor(437, "openat2", .openHow(dirfd: 0, path: 1, how: 2)),
        ])

    static let arm = SyscallABI(
        name: "arm", auditArch: UInt32(CPTRACE_AUDIT_ARCH_ARM), flagBits: .arm,
        rows: [
            SyscallDescriptor(5, "open", .open(dirfd: nil, path: 0, flags: 1)),
            SyscallDescriptor(8, "creat", .create(path: 0)),
            SyscallDescriptor(322, "openat", .open(dirfd: 0, path: 1, flags: 2)),
            SyscallDescriptor(437, "openat2", .openHow(dirfd: 0, path: 1, how: 2)),
        ])
}
