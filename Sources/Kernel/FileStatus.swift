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
    public static func isDirectory(_ path: [UInt8]) -> Bool {
        var info = stat()
        let found = (path + [0]).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { stat($0.baseAddress!, &info) == 0 }
        }
        return found && info.st_mode & S_IFMT == S_IFDIR
    }
}
