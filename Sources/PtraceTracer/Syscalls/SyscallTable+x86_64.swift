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
            SyscallDescriptor(4, "stat", .path(dirfd: nil, path: 0, effect: .probe)),
            SyscallDescriptor(6, "lstat", .path(dirfd: nil, path: 0, effect: .probe)),
            SyscallDescriptor(21, "access", .path(dirfd: nil, path: 0, effect: .probe)),
            SyscallDescriptor(89, "readlink", .path(dirfd: nil, path: 0, effect: .probe)),
            SyscallDescriptor(262, "newfstatat", .path(dirfd: 0, path: 1, effect: .probe)),
            SyscallDescriptor(267, "readlinkat", .path(dirfd: 0, path: 1, effect: .probe)),
            SyscallDescriptor(269, "faccessat", .path(dirfd: 0, path: 1, effect: .probe)),
            SyscallDescriptor(332, "statx", .path(dirfd: 0, path: 1, effect: .probe)),
            SyscallDescriptor(439, "faccessat2", .path(dirfd: 0, path: 1, effect: .probe)),
            SyscallDescriptor(87, "unlink", .path(dirfd: nil, path: 0, effect: .delete)),
            SyscallDescriptor(84, "rmdir", .path(dirfd: nil, path: 0, effect: .delete)),
            SyscallDescriptor(263, "unlinkat", .path(dirfd: 0, path: 1, effect: .delete)),
            SyscallDescriptor(83, "mkdir", .path(dirfd: nil, path: 0, effect: .makeDirectory)),
            SyscallDescriptor(258, "mkdirat", .path(dirfd: 0, path: 1, effect: .makeDirectory)),
            SyscallDescriptor(76, "truncate", .path(dirfd: nil, path: 0, effect: .write)),
            SyscallDescriptor(86, "link", .path(dirfd: nil, path: 1, effect: .write)),
            SyscallDescriptor(265, "linkat", .path(dirfd: 2, path: 3, effect: .write)),
            SyscallDescriptor(88, "symlink", .path(dirfd: nil, path: 1, effect: .write)),
            SyscallDescriptor(266, "symlinkat", .path(dirfd: 1, path: 2, effect: .write)),
            SyscallDescriptor(82, "rename", .rename(fromDirfd: nil, from: 0, toDirfd: nil, to: 1, flags: nil)),
            SyscallDescriptor(264, "renameat", .rename(fromDirfd: 0, from: 1, toDirfd: 2, to: 3, flags: nil)),
            SyscallDescriptor(316, "renameat2", .rename(fromDirfd: 0, from: 1, toDirfd: 2, to: 3, flags: 4)),
            SyscallDescriptor(59, "execve", .path(dirfd: nil, path: 0, effect: .execute)),
            SyscallDescriptor(322, "execveat", .path(dirfd: 0, path: 1, effect: .execute)),
            SyscallDescriptor(80, "chdir", .changesDirectories),
            SyscallDescriptor(81, "fchdir", .changesDirectories),
            SyscallDescriptor(155, "pivot_root", .changesDirectories),
            SyscallDescriptor(161, "chroot", .changesDirectories),
            SyscallDescriptor(165, "mount", .changesDirectories),
            SyscallDescriptor(166, "umount2", .changesDirectories),
            SyscallDescriptor(272, "unshare", .changesDirectories),
            SyscallDescriptor(308, "setns", .changesDirectories),
            SyscallDescriptor(429, "move_mount", .changesDirectories),
        ])

    /// x32 runs under AUDIT_ARCH_X86_64 with __X32_SYSCALL_BIT set in the number. The calls whose arguments
    /// hold pointers to pointers have x32 numbers of their own (512 and up in syscall_64.tbl).
    static let x32OwnNumbers: [String: UInt32] = ["execve": 520, "execveat": 545]
    static let x32 = SyscallABI(
        name: "x32", auditArch: AuditArch.x86_64, flagBits: .generic,
        rows: x86_64.rows.map {
            SyscallDescriptor((x32OwnNumbers[$0.name] ?? $0.number) | AuditArch.x32SyscallBit, $0.name, $0.shape)
        })

    /// 32-bit programs on a 64-bit kernel (int 0x80, sysenter), and i386 kernels.
    static let i386 = SyscallABI(
        name: "i386", auditArch: AuditArch.i386, flagBits: .generic,
        rows: [
            SyscallDescriptor(5, "open", .open(dirfd: nil, path: 0, flags: 1)),
            SyscallDescriptor(8, "creat", .create(path: 0)),
            SyscallDescriptor(295, "openat", .open(dirfd: 0, path: 1, flags: 2)),
            SyscallDescriptor(437, "openat2", .openHow(dirfd: 0, path: 1, how: 2)),
            SyscallDescriptor(106, "stat", .path(dirfd: nil, path: 0, effect: .probe)),
            SyscallDescriptor(107, "lstat", .path(dirfd: nil, path: 0, effect: .probe)),
            SyscallDescriptor(195, "stat64", .path(dirfd: nil, path: 0, effect: .probe)),
            SyscallDescriptor(196, "lstat64", .path(dirfd: nil, path: 0, effect: .probe)),
            SyscallDescriptor(33, "access", .path(dirfd: nil, path: 0, effect: .probe)),
            SyscallDescriptor(85, "readlink", .path(dirfd: nil, path: 0, effect: .probe)),
            SyscallDescriptor(300, "fstatat64", .path(dirfd: 0, path: 1, effect: .probe)),
            SyscallDescriptor(305, "readlinkat", .path(dirfd: 0, path: 1, effect: .probe)),
            SyscallDescriptor(307, "faccessat", .path(dirfd: 0, path: 1, effect: .probe)),
            SyscallDescriptor(383, "statx", .path(dirfd: 0, path: 1, effect: .probe)),
            SyscallDescriptor(439, "faccessat2", .path(dirfd: 0, path: 1, effect: .probe)),
            SyscallDescriptor(10, "unlink", .path(dirfd: nil, path: 0, effect: .delete)),
            SyscallDescriptor(40, "rmdir", .path(dirfd: nil, path: 0, effect: .delete)),
            SyscallDescriptor(301, "unlinkat", .path(dirfd: 0, path: 1, effect: .delete)),
            SyscallDescriptor(39, "mkdir", .path(dirfd: nil, path: 0, effect: .makeDirectory)),
            SyscallDescriptor(296, "mkdirat", .path(dirfd: 0, path: 1, effect: .makeDirectory)),
            SyscallDescriptor(92, "truncate", .path(dirfd: nil, path: 0, effect: .write)),
            SyscallDescriptor(193, "truncate64", .path(dirfd: nil, path: 0, effect: .write)),
            SyscallDescriptor(9, "link", .path(dirfd: nil, path: 1, effect: .write)),
            SyscallDescriptor(303, "linkat", .path(dirfd: 2, path: 3, effect: .write)),
            SyscallDescriptor(83, "symlink", .path(dirfd: nil, path: 1, effect: .write)),
            SyscallDescriptor(304, "symlinkat", .path(dirfd: 1, path: 2, effect: .write)),
            SyscallDescriptor(38, "rename", .rename(fromDirfd: nil, from: 0, toDirfd: nil, to: 1, flags: nil)),
            SyscallDescriptor(302, "renameat", .rename(fromDirfd: 0, from: 1, toDirfd: 2, to: 3, flags: nil)),
            SyscallDescriptor(353, "renameat2", .rename(fromDirfd: 0, from: 1, toDirfd: 2, to: 3, flags: 4)),
            SyscallDescriptor(11, "execve", .path(dirfd: nil, path: 0, effect: .execute)),
            SyscallDescriptor(358, "execveat", .path(dirfd: 0, path: 1, effect: .execute)),
            SyscallDescriptor(12, "chdir", .changesDirectories),
            SyscallDescriptor(21, "mount", .changesDirectories),
            SyscallDescriptor(22, "umount", .changesDirectories),
            SyscallDescriptor(52, "umount2", .changesDirectories),
            SyscallDescriptor(61, "chroot", .changesDirectories),
            SyscallDescriptor(133, "fchdir", .changesDirectories),
            SyscallDescriptor(217, "pivot_root", .changesDirectories),
            SyscallDescriptor(310, "unshare", .changesDirectories),
            SyscallDescriptor(346, "setns", .changesDirectories),
            SyscallDescriptor(429, "move_mount", .changesDirectories),
        ])
}
