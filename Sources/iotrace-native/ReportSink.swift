import TraceModel
import Kernel
import PtraceEngine
import StraceReader
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the report goes, opened before the command starts (which proves the place writable while nothing has
/// run yet), and never inherited by the command (close-on-exec).
///
/// A new file, or an existing regular file, is written to a temporary file beside it and renamed over it, so
/// a reader sees the whole report or none. Anything else that exists under the name (a FIFO, a device such as
/// /dev/null or /dev/stdout, a symbolic link) is opened and written like the shell's `>` would: renaming over
/// it would replace the thing itself.
struct ReportSink {
    private enum Target {
        case descriptor(Int32)
        case file(final: String, temporary: String, fd: Int32)
        case opened(path: String, fd: Int32)
    }

    private let target: Target

    /// Opens the sink. Throws a one-line message when the place cannot be written.
    init(output: String?) throws(CLIError) {
        guard let output else {
            target = .descriptor(STDERR_FILENO)
            return
        }
        if output == "-" {
            target = .descriptor(STDOUT_FILENO)
            return
        }
        var info = stat()
        if lstat(output, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            // O_TRUNC only reaches a regular file behind a link; a FIFO open waits for a reader, as `>` does.
            let fd = open(output, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else {
                throw CLIError("cannot write the report to '\(output)': \(String(cString: strerror(errno)))")
            }
            var opened = stat()
            if fstat(fd, &opened) == 0 && (opened.st_mode & S_IFMT) == S_IFREG { _ = ftruncate(fd, 0) }
            target = .opened(path: output, fd: fd)
            return
        }
        let slash = output.lastIndex(of: "/")
        let directory = slash.map { String(output[...$0]) } ?? ""
        let name = slash.map { String(output[output.index(after: $0)...]) } ?? output
        var template = Array("\(directory).\(name).iotrace-XXXXXX".utf8CString)
        // mkostemp(O_CLOEXEC) is hidden from Swift without _GNU_SOURCE; nothing forks between these two calls
        // (the tracer forks later, on this thread), so setting the flag after is as good.
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            throw CLIError("cannot write the report to '\(output)': \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        // mkstemp makes the file 0600; a report is an ordinary file, readable as umask allows.
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o666 & ~mask)
        let temporary = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        target = .file(final: output, temporary: temporary, fd: fd)
    }

    /// Writes the whole report and, for a file, renames it into place.
    func write(_ bytes: [UInt8]) throws(CLIError) {
        switch target {
        case .opened(let path, let fd):
            let written = writeAll(fd, bytes)
            let error = errno
            close(fd)
            guard written else { throw CLIError("cannot write the report to '\(path)': \(String(cString: strerror(error)))") }
        case .descriptor(let fd):
            guard writeAll(fd, bytes) else { throw CLIError("cannot write the report: \(String(cString: strerror(errno)))") }
        case .file(let final, let temporary, let fd):
            let written = writeAll(fd, bytes)
            let error = errno
            close(fd)
            guard written, rename(temporary, final) == 0 else {
                let message = String(cString: strerror(written ? errno : error))
                unlink(temporary)
                throw CLIError("cannot write the report to '\(final)': \(message)")
            }
        }
    }

    /// Removes the temporary file when no report is written (the 125 cases).
    func discard() {
        switch target {
        case .descriptor: break
        case .file(_, let temporary, let fd):
            close(fd)
            unlink(temporary)
        case .opened(_, let fd):
            close(fd)
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let result = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += result
        }
        return true
    }
}
