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
        func failure(_ error: Errno) -> CLIError { CLIError("cannot write the report to '\(output)': \(error)") }
        if let kind = Files.kind(output, followingLinks: false), kind != .file {
            // O_TRUNC only reaches a regular file behind a link; a FIFO open waits for a reader, as `>` does.
            let fd: Int32
            switch retryingInterrupts({ open(output, O_WRONLY | O_CLOEXEC | O_NOCTTY) }) {
            case .success(let opened): fd = opened
            case .failure(let error): throw failure(error)
            }
            if Files.kind(descriptor: fd) == .file { _ = ftruncate(fd, 0) }
            target = .opened(path: output, fd: fd)
            return
        }
        let slash = output.lastIndex(of: "/")
        let directory = slash.map { String(output[...$0]) } ?? ""
        let name = slash.map { String(output[output.index(after: $0)...]) } ?? output
        var template = Array("\(directory).\(name).iotrace-XXXXXX".utf8CString)
        // mkostemp(O_CLOEXEC) is hidden from Swift without _GNU_SOURCE; nothing forks between these two calls
        // (the tracer forks later, on this thread), so setting the flag after is as good.
        let fd: Int32
        switch retryingInterrupts({ mkstemp(&template) }) {
        case .success(let made): fd = made
        case .failure(let error): throw failure(error)
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        // mkstemp makes the file 0600; a report is an ordinary file, readable as umask allows.
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o666 & ~mask)
        let temporary = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) },
                               as: UTF8.self)
        target = .file(final: output, temporary: temporary, fd: fd)
    }

    /// Writes the whole report and, for a file, renames it into place.
    func write(_ bytes: [UInt8]) throws(CLIError) {
        switch target {
        case .opened(let path, let fd):
            defer { close(fd) }
            if case .failure(let error) = Files.write(bytes, to: fd) {
                throw CLIError("cannot write the report to '\(path)': \(error)")
            }
        case .descriptor(let fd):
            if case .failure(let error) = Files.write(bytes, to: fd) {
                throw CLIError("cannot write the report: \(error)")
            }
        case .file(let final, let temporary, let fd):
            let written = Files.write(bytes, to: fd)
            close(fd)
            let renamed = written.flatMap { _ in retryingInterrupts { rename(temporary, final) } }
            if case .failure(let error) = renamed {
                unlink(temporary)
                throw CLIError("cannot write the report to '\(final)': \(error)")
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
}
