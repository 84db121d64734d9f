/// How a traced syscall lays out its arguments. Decoders are shared by shape, with the argument positions
/// in the case, so `open(path, flags)` and `openat(dirfd, path, flags)` are one decoder.
public enum ArgumentShape: Sendable, Equatable {
    /// open(path, flags, mode), openat(dirfd, path, flags, mode); `dirfd` nil means AT_FDCWD.
    case open(dirfd: Int?, path: Int, flags: Int)
    /// openat2(dirfd, path, struct open_how *how, size): the flags are how->flags in tracee memory.
    case openHow(dirfd: Int, path: Int, how: Int)
    /// creat(path, mode): open with O_WRONLY|O_CREAT|O_TRUNC.
    case create(path: Int)
    /// A call that may change a task's current directory, or the name under which /proc shows it (chdir,
    /// fchdir, chroot, renames, mount changes, unshare, setns): nothing to decode, but the tracer's cache
    /// of current directories must not outlive it.
    case changesDirectories
    /// chdir(path): changes directories like `changesDirectories`, and the tracer resolves `path` at the entry,
    /// so that a current directory too long for /proc to name (beyond PATH_MAX) is still known by its name.
    case changeDirectory(path: Int)
    /// A call on one path, `dirfd` nil meaning AT_FDCWD: stat(path), faccessat(dirfd, path), unlinkat(dirfd,
    /// path), mkdir(path), truncate(path), and the new name of symlinkat(target, newdirfd, linkpath) and
    /// linkat(olddirfd, old, newdirfd, new, flags) (an old name is not read: its content does not change).
    case path(dirfd: Int?, path: Int, effect: PathEffect)
    /// rename(old, new), renameat(olddirfd, old, newdirfd, new), renameat2(…, flags): each path with its own
    /// dirfd. A rename also changes the name under which /proc shows a directory, so it ends the cwd cache
    /// like `changesDirectories` does.
    case rename(fromDirfd: Int?, from: Int, toDirfd: Int?, to: Int, flags: Int?)
    /// A call on an open descriptor, getdents64(fd, …): the path is what /proc/TID/fd/N shows at entry.
    case descriptor(fd: Int, effect: PathEffect)
    /// io_uring_setup: a ring's requests (opens among them) reach the kernel without a syscall the tracer
    /// could stop at. The filter refuses the call with ENOSYS unless the user allows rings; a ring set up
    /// anyway is counted, and the report warns.
    case ringSetup
    /// clone(flags, …): CLONE_UNTRACED in `flags` would start a child no tracer follows, which then runs under
    /// the command's seccomp filter with nobody to answer it (every traced call fails with ENOSYS). The
    /// tracer clears the bit at the entry, so the child is followed like any other.
    case clone(flags: Int)
    /// clone3(struct clone_args *args, size): the same, the flags being args->flags in tracee memory.
    case clone3(args: Int)
}

extension ArgumentShape {
    /// AT_FDCWD (fcntl.h). The kernel reads dirfd as an int: compare the low 32 bits, since a 32-bit
    /// task's -100 arrives zero-extended and a 64-bit one's sign-extended.
    public static let atFDCWD: Int32 = -100
    /// RENAME_EXCHANGE (linux/fs.h): both names stay, each with the other's content.
    public static let renameExchange: UInt64 = 2
    /// AT_EMPTY_PATH (fcntl.h): a `*at` call on the dirfd itself when the path is empty.
    public static let atEmptyPath: UInt32 = 0x1000
    /// CLONE_UNTRACED (linux/sched.h): "set if the tracing process can't force CLONE_PTRACE on this clone".
    public static let cloneUntraced: UInt32 = 0x0080_0000
}

/// Argument bits that make a traced call one the report has no use for: the filter lets such a call through
/// without a stop, and the decoder ignores it when every call is stepped, so both modes agree.
public struct UntracedWhen: Sendable, Equatable {
    /// The argument's index; its low 32 bits are tested.
    public let argument: Int
    /// Any of these bits set (or, `whenClear`, none of them).
    public let anyOf: UInt32
    /// Reversed: the call passes when none of `anyOf` is set.
    public let whenClear: Bool

    public init(argument: Int, anyOf: UInt32, whenClear: Bool = false) {
        self.argument = argument
        self.anyOf = anyOf
        self.whenClear = whenClear
    }

    /// AT_EMPTY_PATH (fcntl.h) in the flags: newfstatat(fd, "", …) and statx(fd, "", …) are fstat in
    /// disguise (glibc's fstat, libuv's), thousands per run, and name no path. A call that passes
    /// AT_EMPTY_PATH with a non-empty path is left out with them: a documented limit.
    public static func emptyPath(flags index: Int) -> UntracedWhen {
        UntracedWhen(argument: index, anyOf: ArgumentShape.atEmptyPath)
    }

    /// CLONE_UNTRACED (linux/sched.h) clear in clone's flags: an ordinary clone, which PTRACE_O_TRACECLONE and
    /// friends already follow, passes without a stop; only an untraced one stops, to have the bit cleared.
    public static func cloneTraced(flags index: Int) -> UntracedWhen {
        UntracedWhen(argument: index, anyOf: ArgumentShape.cloneUntraced, whenClear: true)
    }

    public func matches(_ value: UInt64) -> Bool { (UInt32(truncatingIfNeeded: value) & anyOf != 0) != whenClear }
}

/// What a successful call on a path means for the report; failing with ENOENT or ENOTDIR, a `probe` is a
/// missing path.
public enum PathEffect: Sendable, Equatable {
    /// stat, lstat, access, readlink and their *at forms: the path was looked at, not read.
    case probe
    /// unlink, unlinkat, rmdir.
    case delete
    /// truncate, symlink, symlinkat: the path's content is set.
    case write
    /// mkdir, mkdirat.
    case makeDirectory
    /// execve, execveat: the file run. Success is known at PTRACE_EVENT_EXEC (a successful exec returns to a
    /// new program); a failure with ENOENT or ENOTDIR, as an execvp PATH search makes, is a missing path.
    case execute
    /// getdents, getdents64: the directory's entries were read.
    case list
}

/// One row of a syscall table: a number of one ABI, its name and its argument shape.
public struct SyscallDescriptor: Sendable, Equatable {
    public let number: UInt32
    public let name: String
    public let shape: ArgumentShape
    public let untracedWhen: UntracedWhen?

    public init(_ number: UInt32, _ name: String, _ shape: ArgumentShape, untracedWhen: UntracedWhen? = nil) {
        self.number = number
        self.name = name
        self.shape = shape
        self.untracedWhen = untracedWhen
    }
}

/// The open(2) flag bits that differ between ABIs (asm-generic/fcntl.h against arch/arm{,64} fcntl.h).
/// O_ACCMODE, O_CREAT and O_TRUNC are the same everywhere Linux runs.
public struct OpenFlagBits: Sendable, Equatable {
    public let directory: UInt64
    public let path: UInt64
    /// __O_TMPFILE without O_DIRECTORY: O_TMPFILE is both bits.
    public let tmpfile: UInt64

    /// x86_64, x32 and i386 (the asm-generic values).
    public static let generic = OpenFlagBits(directory: 0o200000, path: 0o10000000, tmpfile: 0o20000000)
    /// aarch64 and arm, whose O_DIRECTORY is 0o40000.
    public static let arm = OpenFlagBits(directory: 0o40000, path: 0o10000000, tmpfile: 0o20000000)
}

/// A syscall ABI the kernel can run a task in: its AUDIT_ARCH, the numbers of its traced calls, and the
/// flag values its programs pass. Several ABIs may share an audit arch (x86_64 and x32).
public struct SyscallABI: Sendable {
    public let name: String
    public let auditArch: UInt32
    public let flagBits: OpenFlagBits
    public let rows: [SyscallDescriptor]
    /// Row index + 1 by the number's low bits (0: no row); looked up at every stop, where scanning 40-odd rows
    /// cost 3,500 instructions (callgrind, BENCHMARKS.md).
    private let slots: [UInt16]
    private static let slotMask: UInt64 = 0xFFF

    public init(name: String, auditArch: UInt32, flagBits: OpenFlagBits, rows: [SyscallDescriptor]) {
        self.name = name
        self.auditArch = auditArch
        self.flagBits = flagBits
        self.rows = rows
        var slots = [UInt16](repeating: 0, count: Int(Self.slotMask) + 1)
        for (index, row) in rows.enumerated().reversed() {
            // x32's numbers differ from x86_64's by a high bit only: within one ABI, the low bits are unique.
            let slot = Int(UInt64(row.number) & Self.slotMask)
            precondition(slots[slot] == 0 || rows[Int(slots[slot]) - 1].number == row.number,
                         "\(name): numbers \(row.number) and \(rows[Int(slots[slot]) - 1].number) share low bits")
            slots[slot] = UInt16(index + 1)
        }
        self.slots = slots
    }

    public func descriptor(for number: UInt64) -> SyscallDescriptor? {
        let slot = slots[Int(number & Self.slotMask)]
        guard slot != 0 else { return nil }
        let row = rows[Int(slot) - 1]
        return UInt64(row.number) == number ? row : nil
    }
}
