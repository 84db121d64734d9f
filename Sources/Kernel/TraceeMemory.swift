import CPtrace
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TraceModel

/// Reads from a stopped tracee's address space.
package enum TraceeMemory {
    /// The longest path the kernel accepts, NUL included (PATH_MAX); longer ones fail with ENAMETOOLONG.
    package static let pathCapacity = Int(PATH_MAX)

    /// `cptrace_read_string`: the bytes of the NUL-terminated string at `address`, without the NUL.
    package static func readPath(_ task: TaskID, at address: UInt64, into buffer: inout [UInt8]) -> Result<Int, Errno> {
        if buffer.count < pathCapacity { buffer = [UInt8](repeating: 0, count: pathCapacity) }
        let result = buffer.withUnsafeMutableBufferPointer { storage in
            cptrace_read_string(task, address, storage.baseAddress!, pathCapacity)
        }
        return valueOrErrno(result).map { Int($0) }
    }

    /// `cptrace_read_memory`: one little-endian UInt64 (openat2's open_how.flags is the first field).
    package static func readUInt64(_ task: TaskID, at address: UInt64) -> Result<UInt64, Errno> {
        var value: UInt64 = 0
        return valueOrErrno(cptrace_read_memory(task, address, &value, 8)).map { _ in UInt64(littleEndian: value) }
    }

    /// `cptrace_write_uint64`: one UInt64 (clone3's clone_args.flags is the first field).
    package static func writeUInt64(_ task: TaskID, at address: UInt64, _ value: UInt64) -> Result<Void, Errno> {
        valueOrErrno(cptrace_write_uint64(task, address, value)).map { _ in () }
    }
}

/// A directory, by what the kernel knows it by: its device and inode. A directory has one name (no hard
/// links), so this names it until it is renamed or removed.
package struct DirectoryIdentity: Hashable, Sendable {
    package let device: UInt64
    package let inode: UInt64
}

/// /proc lookups: what the kernel itself resolves a relative path against.
package enum ProcFS {
    /// `cptrace_readlink_proc` of /proc/TID/cwd: the task's current directory, symlinks resolved.
    package static func currentDirectory(of task: TaskID, buffer: inout [UInt8]) -> Result<[UInt8], Errno> {
        readLink(task, fd: -1, buffer: &buffer)
    }

    /// `cptrace_readlink_proc` of /proc/TID/fd/FD: what a descriptor refers to.
    package static func descriptorTarget(of task: TaskID, fd: Int32, buffer: inout [UInt8]) -> Result<[UInt8], Errno> {
        readLink(task, fd: fd, buffer: &buffer)
    }

    /// stat(2) of /proc/TID/fd/FD, which follows the descriptor to what it opened: whether that is a
    /// directory. False when it cannot be told (the task or the descriptor is gone).
    package static func isDirectory(_ task: TaskID, fd: Int32) -> Bool {
        Files.kind("/proc/\(task)/fd/\(fd)") == .directory
    }

    /// Which directory a task's current directory (`fd` nil) or descriptor is: stat(2) of /proc/TID/cwd or
    /// /proc/TID/fd/FD, which follows the link to the object itself, however long its path is (readlink of the
    /// same link fails with ENAMETOOLONG once the path passes a page: fs/proc/base.c, do_proc_readlink).
    /// Nil when it is not a directory or cannot be told.
    package static func directoryIdentity(of task: TaskID, fd: Int32?) -> DirectoryIdentity? {
        var info = stat()
        let path = fd.map { "/proc/\(task)/fd/\($0)" } ?? "/proc/\(task)/cwd"
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        return DirectoryIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The calling thread's own current directory: a check that /proc is there at all.
    package static func ownCurrentDirectory() -> Result<[UInt8], Errno> {
        var buffer = [UInt8]()
        return readLink(cptrace_gettid(), fd: -1, buffer: &buffer)
    }

    private static func readLink(_ task: TaskID, fd: Int32, buffer: inout [UInt8]) -> Result<[UInt8], Errno> {
        if buffer.count < TraceeMemory.pathCapacity { buffer = [UInt8](repeating: 0, count: TraceeMemory.pathCapacity) }
        let result = buffer.withUnsafeMutableBufferPointer { storage in
            cptrace_readlink_proc(task, fd, storage.baseAddress!, storage.count)
        }
        return valueOrErrno(result).map { Array(buffer[0..<Int($0)]) }
    }
}
