import CPtrace
import TraceModel

/// The C module's convention: a negative result is -errno, anything else is the value.
@inline(__always)
package func valueOrErrno<T: FixedWidthInteger & SignedInteger>(_ result: T) -> Result<T, Errno> {
    result < 0 ? .failure(Errno(Int32(truncatingIfNeeded: 0 - result))) : .success(result)
}
