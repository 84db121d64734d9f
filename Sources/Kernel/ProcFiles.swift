#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TraceModel

/// /proc files the process tree reads (`--processes` only: a trace without it never opens any of them).
extension ProcFS {
    /// A task's thread group and its real parent, from /proc/TID/status (`Tgid:` and `PPid:`, proc(5)).
    package struct TaskIdentity: Equatable {
        package var threadGroup: TaskID
        package var parent: TaskID

        package init(threadGroup: TaskID, parent: TaskID) {
            self.threadGroup = threadGroup
            self.parent = parent
        }
    }

    /// read(2) of /proc/TID/status. Fails when the task is gone (already reaped).
    package static func identity(of task: TaskID) -> Result<TaskIdentity, Errno> {
        readFile("/proc/\(task)/status", limit: 1 << 16).flatMap { bytes in
            var threadGroup: TaskID?, parent: TaskID?
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                if line.starts(with: "Tgid:".utf8) { threadGroup = number(line.dropFirst(5)) }
                if line.starts(with: "PPid:".utf8) { parent = number(line.dropFirst(5)) }
            }
            guard let threadGroup, let parent else { return .failure(Errno(EINVAL)) }
            return .success(TaskIdentity(threadGroup: threadGroup, parent: parent))
        }
    }

    /// read(2) of /proc/PID/cmdline: the arguments as the last exec laid them out, each NUL-terminated.
    /// Read at PTRACE_EVENT_EXEC, while the task is stopped and before it can rewrite its own argv area.
    package static func commandLine(of task: TaskID) -> Result<[[UInt8]], Errno> {
        // ARG_MAX is a quarter of the stack limit; 8 MiB bounds what one report line holds.
        readFile("/proc/\(task)/cmdline", limit: 8 << 20).map { bytes in
            guard !bytes.isEmpty else { return [] }
            // "a\0\0b\0" is ["a", "", "b"]: only the last NUL ends the last argument.
            let body = bytes.last == 0 ? bytes.dropLast() : bytes[...]
            return body.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
        }
    }

    /// read(2) of /proc/PID/environ: the environment the last exec gave the program, `NAME=VALUE` entries
    /// each ended by a NUL (the initial copy on the new program's stack: what it changes later is not seen).
    package static func environment(of task: TaskID) -> Result<[UInt8], Errno> {
        readFile("/proc/\(task)/environ", limit: 8 << 20)
    }

    private static func number(_ field: ArraySlice<UInt8>) -> TaskID? {
        TaskID(String(decoding: field.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }, as: UTF8.self))
    }

    private static func readFile(_ path: String, limit: Int) -> Result<[UInt8], Errno> {
        Files.read(path, limit: limit)
    }
}
