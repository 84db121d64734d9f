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
        guard Files.kind(path) == .file else { return nil }
        // A regular file's read is short only at its end.
        return try? Files.read(path, limit: count, flags: O_NOCTTY | O_NONBLOCK).get()
    }
}
