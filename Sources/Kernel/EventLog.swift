#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TraceModel

/// `--events FILE`: the event stream as JSON Lines, written as the calls happen, never holding up the traced
/// command for long.
///
/// Each line goes into a bounded buffer and out through a non-blocking descriptor at once, so `tail -f` and a
/// FIFO's reader see it while the command runs. A reader slower than the command fills the pipe, then the
/// buffer (`capacity`); lines that find it full are dropped and counted, and the tracer moves on. At the end
/// the rest of the buffer gets `drainSeconds` to go out. A reader that goes away (EPIPE) ends the stream: the
/// tracer is not killed (SIGPIPE is blocked around each write and the one it raised is taken back), and every
/// later line is counted as dropped. `finish()` says what was lost, for the report's warnings.
package final class EventLog: EventSink, @unchecked Sendable {
    /// 4 MiB: some 30,000 lines of typical paths, about a second of a busy build's calls.
    package static let defaultCapacity = 4 << 20
    package static let drainSeconds = 2.0

    private let path: String
    private var fd: Int32
    private let capacity: Int
    private var buffer: [UInt8] = []
    /// Bytes of `buffer` already written.
    private var sent = 0
    private var lines = 0
    private var dropped = 0
    private var readerGone = false

    /// Opens FILE before the command starts. A new or regular file is created or truncated; anything else
    /// (a FIFO, a device) is opened as the shell's `>` opens it, which for a FIFO waits for a reader to open
    /// it. Throws the line the CLI prints.
    package init(path: String, capacity: Int = EventLog.defaultCapacity) throws(Errno) {
        self.path = path
        self.capacity = capacity
        var info = stat()
        let special = lstat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG
        let flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | (special ? 0 : O_CREAT | O_TRUNC)
        var opened: Int32
        repeat { opened = open(path, flags, 0o666) } while opened < 0 && errno == EINTR
        guard opened >= 0 else { throw Errno(errno) }
        fd = opened
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    package func record(_ event: TraceEvent) {
        lines += 1
        guard !readerGone, fd >= 0 else {
            dropped += 1
            return
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let line = event.jsonLine(seconds: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec))
        guard buffer.count - sent + line.count <= capacity else {
            dropped += 1
            flush()
            return
        }
        buffer += line
        flush()
    }

    /// Writes what the descriptor takes now.
    private func flush() {
        guard sent < buffer.count, fd >= 0 else { return }
        withSigpipeBlocked {
            while sent < buffer.count {
                let count = buffer[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    sent += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else if count < 0 && errno == EPIPE {
                    readerGone = true
                    abandonBuffer()
                    return
                } else {
                    return   // EAGAIN: the reader has not caught up; the buffer holds the rest
                }
            }
        }
        if sent == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            sent = 0
        } else if sent > capacity / 2 {
            buffer.removeFirst(sent)
            sent = 0
        }
    }

    /// Gives the rest of the buffer `drainSeconds` to go out, closes the file, and returns the warning the
    /// report carries when lines were lost (nil when every line was written).
    package func finish() -> String? {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let end = Double(deadline.tv_sec) + Double(deadline.tv_nsec) / 1e9 + Self.drainSeconds
        while sent < buffer.count && !readerGone && fd >= 0 {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let left = end - (Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
            guard left > 0 else { break }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&descriptor, 1, Int32(min(left, 0.1) * 1000) + 1)
            flush()
        }
        if sent < buffer.count { abandonBuffer() }
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        guard dropped > 0 else { return nil }
        let grouped = TextRenderer.grouped
        if readerGone {
            return "--events \(path): the reader went away (EPIPE); \(grouped(dropped)) of \(grouped(lines)) event "
                + "lines were not written"
        }
        return "--events \(path): the reader did not keep up; \(grouped(dropped)) of \(grouped(lines)) event lines "
            + "were dropped"
    }

    /// Counts the lines still in the buffer as dropped (a line partly written counts as dropped too).
    private func abandonBuffer() {
        var start = sent
        // The line `sent` falls in: it began after the last newline already written.
        while start > 0 && buffer[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        dropped += buffer[start...].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        buffer.removeAll()
        sent = 0
    }

    /// SIGPIPE blocked on this thread around `body`, and the one a write to a vanished reader raised taken
    /// back before it is unblocked: the tracer must outlive its reader. (Ignoring SIGPIPE instead would pass
    /// SIG_IGN on to the command through exec.)
    private func withSigpipeBlocked(_ body: () -> Void) {
        var pipeSignal = sigset_t(), previous = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        body()
        if readerGone {
            var none = timespec()
            _ = sigtimedwait(&pipeSignal, nil, &none)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }
}
