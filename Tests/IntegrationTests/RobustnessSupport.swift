/// Helpers for the robustness suites (issue 4): a run whose arguments are raw bytes, the tracer's peak
/// RSS, the process tree below a pid, and a visible "cannot run here".
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Cannot run here

/// A test that cannot run on this machine says why on stdout and records a known issue, so that it shows as
/// "passed with a known issue", never as a silent pass.
func cannotRunHere(_ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
    print("SKIPPED (cannot run here): \(reason)")
    withKnownIssue(Comment(rawValue: reason), sourceLocation: sourceLocation) {
        Issue.record(Comment(rawValue: "cannot run here: \(reason)"), sourceLocation: sourceLocation)
    }
}

// MARK: - Raw-byte arguments

/// Runs `executable` with `arguments` passed byte for byte (Foundation's Process takes Strings, which cannot
/// hold bytes that are not UTF-8), in `directory` (through `env -C`), stdin from /dev/null, stdout and stderr
/// captured through files, the signal mask empty. Killed with SIGKILL past `timeout` seconds.
func runProcessRaw(_ executable: String, _ arguments: [[UInt8]], in directory: String,
                   timeout: Double = 60) throws -> ProcessResult {
    let capture = makeTemporaryDirectory(prefix: "iotrace-it-raw")
    defer { removeTree(capture) }
    let stdoutPath = capture + "/stdout", stderrPath = capture + "/stderr"
    // env -C DIR changes directory and execs the rest with its arguments untouched.
    let argv: [[UInt8]] = [Array("/usr/bin/env".utf8), Array("-C".utf8), Array(directory.utf8),
                           Array(executable.utf8)] + arguments
    var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { bytes in
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
        pointer[bytes.count] = 0
        return pointer
    }
    pointers.append(nil)
    defer { for pointer in pointers { pointer?.deallocate() } }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))

    let start = Date()
    var pid: pid_t = 0
    let error = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, pointers, environ)
    guard error == 0 else { throw HarnessError("posix_spawn /usr/bin/env: \(String(cString: strerror(error)))") }
    var status: Int32 = 0
    var timedOut = false
    while true {
        let waited = waitpid(pid, &status, WNOHANG)
        if waited == pid { break }
        if waited < 0 && errno != EINTR { throw HarnessError("waitpid: \(String(cString: strerror(errno)))") }
        if !timedOut && Date().timeIntervalSince(start) > timeout {
            timedOut = true
            kill(pid, SIGKILL)
        }
        usleep(2_000)
    }
    // WIFSIGNALED / WTERMSIG / WEXITSTATUS, which Swift does not import (they are macros).
    let signal = status & 0x7F
    let exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    return ProcessResult(
        status: exitStatus,
        stdout: Array(FileManager.default.contents(atPath: stdoutPath) ?? Data()),
        stderr: Array(FileManager.default.contents(atPath: stderrPath) ?? Data()),
        timedOut: timedOut, duration: Date().timeIntervalSince(start))
}

// MARK: - Peak RSS

/// The kB value of `field` (e.g. "VmHWM") in /proc/PID/status, or nil when the process has no memory any
/// more (exited, a zombie) or is gone.
func procStatusKilobytes(_ pid: pid_t, _ field: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        // "VmHWM:\t   25840 kB"
        return line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
            .flatMap { Int($0) }
    }
    return nil
}

/// Polls the VmHWM (peak resident set) of a running process and of its children every 5 ms until it exits,
/// and keeps the largest value read. VmHWM only grows, so the last read is the peak up to a few milliseconds
/// before the exit: a lower bound that is close (the tracer's last moments render and write the report from
/// memory it holds).
///
/// VmHWM counts the pages of the executable file that are mapped too (RssFile, shared with the page cache,
/// and more of them when the file is freshly written and the kernel's fault-around maps neighbours), so the
/// probe also keeps the largest RssAnon it read: the tracer's own heap and stacks, sampled.
final class PeakRSSProbe: @unchecked Sendable {
    private(set) var kilobytes = 0
    private(set) var anonymousKilobytes = 0
    private(set) var samples = 0

    /// For `whileRunning`: returns when the process has exited (gone or a zombie), or after `timeout`.
    func poll(_ pid: pid_t, timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let value = procStatusKilobytes(pid, "VmHWM") else {
                if ["", "Z", "X"].contains(processState(pid)) { return }
                usleep(1_000)
                continue
            }
            kilobytes = max(kilobytes, value)
            anonymousKilobytes = max(anonymousKilobytes, procStatusKilobytes(pid, "RssAnon") ?? 0)
            // With ptrace the launched process is a monitor that only waits, and its child is the tracer
            // (DaemonHandOff); with eBPF it traces itself, and its children are the command and the guard. Only
            // children that run iotrace-native count (a command's own after its exec runs something else).
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            let name = processName(pid)
            for child in children.split(separator: " ").compactMap({ pid_t($0) }) where processName(child) == name {
                kilobytes = max(kilobytes, procStatusKilobytes(child, "VmHWM") ?? 0)
                anonymousKilobytes = max(anonymousKilobytes, procStatusKilobytes(child, "RssAnon") ?? 0)
            }
            samples += 1
            usleep(5_000)
        }
    }

    var mebibytes: Double { Double(kilobytes) / 1024 }
    var anonymousMebibytes: Double { Double(anonymousKilobytes) / 1024 }
}

// MARK: - Process trees

/// A process as /proc shows it now: its pid and its start time (field 22 of /proc/PID/stat, in clock
/// ticks since boot), which tells it apart from a later process that reuses the pid.
struct ProcessIdentity: Hashable, CustomStringConvertible {
    let pid: pid_t
    let startTime: UInt64

    init?(_ pid: pid_t) {
        guard let startTime = processStartTime(pid) else { return nil }
        self.pid = pid
        self.startTime = startTime
    }

    /// Whether the same process (not a reuse of its pid) still exists and is not a zombie.
    var isAlive: Bool {
        guard processStartTime(pid) == startTime else { return false }
        return !["", "Z", "X"].contains(processState(pid))
    }

    var description: String {
        let commandLine = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?
            .replacingOccurrences(of: "\0", with: " ") ?? "?"
        return "pid \(pid) (state \(processState(pid)), \(commandLine))"
    }
}

func processStartTime(_ pid: pid_t) -> UInt64? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let end = stat.range(of: ") ", options: .backwards)
    else { return nil }
    // After "comm) ": field 3 (state) is index 0, so field 22 (starttime) is index 19.
    let fields = stat[end.upperBound...].split(separator: " ")
    return fields.count > 19 ? UInt64(fields[19]) : nil
}

/// Every descendant of `pid` (children, their children, ...), as /proc shows them now.
func descendantsOf(_ pid: pid_t) -> [ProcessIdentity] {
    var found: [ProcessIdentity] = []
    var queue = childrenOf(pid)
    var seen = Set<pid_t>()
    while let next = queue.popLast() {
        guard seen.insert(next).inserted else { continue }
        if let identity = ProcessIdentity(next) { found.append(identity) }
        queue += childrenOf(next)
    }
    return found
}

/// Every live (not zombie) process whose executable is `path`, found by scanning /proc.
func liveProcesses(runningExecutable path: String) -> [ProcessIdentity] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { pid_t($0) }.compactMap { pid -> ProcessIdentity? in
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
              executable == path, let identity = ProcessIdentity(pid), identity.isAlive
        else { return nil }
        return identity
    }
}

// MARK: - Waiting

/// Waits until `condition` holds, polling every 5 ms; throws after `seconds`.
func waitUntil(_ what: String, seconds: Double = 10, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else { throw HarnessError("timed out after \(seconds) s waiting for \(what)") }
        usleep(5_000)
    }
}

// MARK: - Removing big directories

/// Empties a directory of many entries (unless IOTRACE_KEEP_WORKSPACES is set), before removeTree sees it.
func emptyBigDirectory(_ path: String) {
    if ProcessInfo.processInfo.environment["IOTRACE_KEEP_WORKSPACES"] == nil { removeTreeInPlace(path, keepRoot: true) }
}

func removeTreeInPlace(_ path: String, keepRoot: Bool = false) {
    let directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard directory >= 0 else {
        if !keepRoot { unlink(path) }
        return
    }
    removeContents(of: directory)
    if !keepRoot { rmdir(path) }
}

