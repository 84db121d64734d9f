#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TraceModel

/// The first bytes of a file the tracer reads itself: the `#!` line of a program a tracee is about to exec
/// (see `Shebang`).
package enum FileHead {
    /// Up to `count` bytes from the start of the regular file at the absolute `path`; nil when it is not a
    /// regular file or cannot be read. Only regular files are opened (stat first), and without blocking, so
    /// that a FIFO or a device never stalls the tracer or feels an open (an exec of either fails anyway).
    package static func bytes(of path: [UInt8], count: Int) -> [UInt8]? {
        let terminated = path.map { CChar(bitPattern: $0) } + [0]
        var info = stat()
        guard stat(terminated, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let fd = open(terminated, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let length = buffer.withUnsafeMutableBytes { storage in
            // A regular file's read is short only at its end; EINTR (a signal to the tracer) is retried.
            var result: Int
            repeat { result = read(fd, storage.baseAddress, storage.count) } while result < 0 && errno == EINTR
            return result
        }
        return length < 0 ? nil : Array(buffer[0..<length])
    }
}
