// Numbers from include/uapi/asm-generic/unistd.h (aarch64 has no open or creat) and
// arch/arm/tools/syscall.tbl for 32-bit compat tasks.
extension SyscallTable {
    static let aarch64 = SyscallABI(
        name: "aarch64", auditArch: AuditArch.aarch64, flagBits: .arm,
        rows: [
            SyscallDescriptor(56, "openat", .open(dirfd: 0, path: 1, flags: 2)),
            SyscallDescriptor(437, "openat2", .openHow(dirfd: 0, path: 1, how: 2)),
            SyscallDescriptor(38, "renameat", .changesDirectories),
            SyscallDescriptor(39, "umount2", .changesDirectories),
            SyscallDescriptor(40, "mount", .changesDirectories),
            SyscallDescriptor(41, "pivot_root", .changesDirectories),
            SyscallDescriptor(49, "chdir", .changesDirectories),
            SyscallDescriptor(50, "fchdir", .changesDirectories),
            SyscallDescriptor(51, "chroot", .changesDirectories),
            SyscallDescriptor(97, "unshare", .changesDirectories),
            SyscallDescriptor(268, "setns", .changesDirectories),
            SyscallDescriptor(276, "renameat2", .changesDirectories),
            SyscallDescriptor(429, "move_mount", .changesDirectories),
        ])

    static let arm = SyscallABI(
        name: "arm", auditArch: AuditArch.arm, flagBits: .arm,
        rows: [
            SyscallDescriptor(5, "open", .open(dirfd: nil, path: 0, flags: 1)),
            SyscallDescriptor(8, "creat", .create(path: 0)),
            SyscallDescriptor(322, "openat", .open(dirfd: 0, path: 1, flags: 2)),
            SyscallDescriptor(437, "openat2", .openHow(dirfd: 0, path: 1, how: 2)),
            SyscallDescriptor(12, "chdir", .changesDirectories),
            SyscallDescriptor(21, "mount", .changesDirectories),
            SyscallDescriptor(38, "rename", .changesDirectories),
            SyscallDescriptor(52, "umount2", .changesDirectories),
            SyscallDescriptor(61, "chroot", .changesDirectories),
            SyscallDescriptor(133, "fchdir", .changesDirectories),
            SyscallDescriptor(218, "pivot_root", .changesDirectories),
            SyscallDescriptor(329, "renameat", .changesDirectories),
            SyscallDescriptor(337, "unshare", .changesDirectories),
            SyscallDescriptor(375, "setns", .changesDirectories),
            SyscallDescriptor(382, "renameat2", .changesDirectories),
            SyscallDescriptor(429, "move_mount", .changesDirectories),
        ])
}
