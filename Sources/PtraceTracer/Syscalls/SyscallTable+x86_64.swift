// Numbers from arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl; a test checks each one against
// <asm/unistd_64.h>, <asm/unistd_x32.h> and <asm/unistd_32.h>.
extension SyscallTable {
    static let x86_64 = SyscallABI(
        name: "x86_64", auditArch: AuditArch.x86_64, flagBits: .generic,
        rows: [
            SyscallDescriptor(2, "open", .open(dirfd: nil, path: 0, flags: 1)),
            SyscallDescriptor(85, "creat", .create(path: 0)),
            SyscallDescriptor(257, "openat", .open(dirfd: 0, path: 1, flags: 2)),
            SyscallDescriptor(437, "openat2", .openHow(dirfd: 0, path: 1, how: 2)),
            SyscallDescriptor(80, "chdir", .changesDirectories),
            SyscallDescriptor(81, "fchdir", .changesDirectories),
            SyscallDescriptor(82, "rename", .changesDirectories),
            SyscallDescriptor(155, "pivot_root", .changesDirectories),
            SyscallDescriptor(161, "chroot", .changesDirectories),
            SyscallDescriptor(165, "mount", .changesDirectories),
            SyscallDescriptor(166, "umount2", .changesDirectories),
            SyscallDescriptor(264, "renameat", .changesDirectories),
            SyscallDescriptor(272, "unshare", .changesDirectories),
            SyscallDescriptor(308, "setns", .changesDirectories),
            SyscallDescriptor(316, "renameat2", .changesDirectories),
            SyscallDescriptor(429, "move_mount", .changesDirectories),
        ])

    /// x32 runs under AUDIT_ARCH_X86_64 with __X32_SYSCALL_BIT set in the number.
    static let x32 = SyscallABI(
        name: "x32", auditArch: AuditArch.x86_64, flagBits: .generic,
        rows: x86_64.rows.map {
            SyscallDescriptor($0.number | AuditArch.x32SyscallBit, $0.name, $0.shape)
        })

    /// 32-bit programs on a 64-bit kernel (int 0x80, sysenter), and i386 kernels.
    static let i386 = SyscallABI(
        name: "i386", auditArch: AuditArch.i386, flagBits: .generic,
        rows: [
            SyscallDescriptor(5, "open", .open(dirfd: nil, path: 0, flags: 1)),
            SyscallDescriptor(8, "creat", .create(path: 0)),
            SyscallDescriptor(295, "openat", .open(dirfd: 0, path: 1, flags: 2)),
            SyscallDescriptor(437, "openat2", .openHow(dirfd: 0, path: 1, how: 2)),
            SyscallDescriptor(12, "chdir", .changesDirectories),
            SyscallDescriptor(21, "mount", .changesDirectories),
            SyscallDescriptor(22, "umount", .changesDirectories),
            SyscallDescriptor(38, "rename", .changesDirectories),
            SyscallDescriptor(52, "umount2", .changesDirectories),
            SyscallDescriptor(61, "chroot", .changesDirectories),
            SyscallDescriptor(133, "fchdir", .changesDirectories),
            SyscallDescriptor(217, "pivot_root", .changesDirectories),
            SyscallDescriptor(302, "renameat", .changesDirectories),
            SyscallDescriptor(310, "unshare", .changesDirectories),
            SyscallDescriptor(346, "setns", .changesDirectories),
            SyscallDescriptor(353, "renameat2", .changesDirectories),
            SyscallDescriptor(429, "move_mount", .changesDirectories),
        ])
}
