import PtraceTracer
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the report goes. A file is written to a temporary file beside it and renamed over it, so a reader
/// sees the whole report or none; the temporary file is made before the command starts, which proves the
/// place writable while nothing has run yet.
struct ReportSink {
    private enum Target {
        case descriptor(Int32)
        case file(final: String, temporary: String, fd: Int32)
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
        let slash = output.lastIndex(of: "/")
        let directory = slash.map { String(output[...$0]) } ?? ""
        let name = slash.map { String(output[output.index(after: $0)...]) } ?? output
        var template = Array("\(directory).\(name).iotrace-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            throw CLIError("cannot write the report to '\(output)': \(String(cString: strerror(errno)))")
        }
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
        if case .file(_, let temporary, let fd) = target {
            close(fd)
            unlink(temporary)
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
