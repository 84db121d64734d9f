#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An errno value, typed as soon as it leaves the C module.
public struct Errno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let notPermitted = Errno(EPERM)
    public static let noSuchFile = Errno(ENOENT)
    public static let noSuchProcess = Errno(ESRCH)
    public static let interrupted = Errno(EINTR)
    public static let noChild = Errno(ECHILD)
    public static let permissionDenied = Errno(EACCES)
    public static let notDirectory = Errno(ENOTDIR)
    public static let nameTooLong = Errno(ENAMETOOLONG)
    public static let badAddress = Errno(EFAULT)
    public static let ioError = Errno(EIO)
    public static let notImplemented = Errno(ENOSYS)

    /// strerror(3)'s text, e.g. "Operation not permitted".
    public var description: String { String(cString: strerror(rawValue)) }
}
