#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TraceModel

/// stat(2) of a path of this process's own file system.
public enum FileStatus {
    /// `stat` (a final symlink followed, as an open follows it) says `path` is a directory now. False when it
    /// is not, or cannot be told (gone, unreadable).
    public static func isDirectory(_ path: [UInt8]) -> Bool { Files.kind(path) == .directory }
}
