/// Issue 11, point 3: a descendant that leaves the command's session (setsid) and outlives it does not hold
/// the trace. The report is written and iotrace-native exits with the command's status as soon as everything
/// left in the session has ended, naming each daemon in a warning; the daemon goes on as if untraced (its
/// raw openat calls, which the seccomp filter traces, still succeed, and its forks too).
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Daemons do not hold the trace", .serialized, .timeLimit(.minutes(2)))
struct DaemonTests {
    /// Polls for a file for up to `seconds`.
    private func appears(_ workspace: Workspace, _ relative: String, within seconds: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if workspace.exists(relative) { return true }
            usleep(20_000)
        }
        return false
    }

    @Test("the trace ends with the command, the daemon writes after it, the report warns",
          arguments: TracerMode.allCases, ["early", "late"])
    func daemonOutlivesTheTrace(mode: TracerMode, when: String) throws {
        let workspace = try Workspace()
        let fixture = try Fixture.path("daemon_writer")
        let run = try workspace.trace([fixture, when], mode: mode, timeout: 20)
        #expect(!run.process.timedOut, "\(run.diagnostics)")
        #expect(run.status == 3, "the command's status\n\(run.diagnostics)")
        // The daemon sleeps 800 ms before its first write: that the trace ended before it is shown below by the
        // daemon's file not being there yet, not by a timing (a loaded machine stretches any duration).
        let report = try run.report()
        #expect(report.writes == ["sub/parent.txt"], "nothing after the session's end is reported\n\(run.diagnostics)")
        #expect(report.warnings.count == 1, "\(run.diagnostics)")
        #expect(report.warnings.first?.contains("daemon ") == true, "\(run.diagnostics)")
        #expect(report.warnings.first?.contains("daemon_writer") == true, "\(run.diagnostics)")
        #expect(!workspace.exists("sub/daemon.txt"), "the trace waited for the daemon's write\n\(run.diagnostics)")
        #expect(appears(workspace, "sub/daemon-child.txt"), "the daemon's child could not write\n\(run.diagnostics)")
        #expect(appears(workspace, "sub/daemon.txt"), "the daemon could not write (ENOSYS?)\n\(run.diagnostics)")
    }

    /// A caller that reads the tracer's stdout and stderr to their end (a pipe) is not held by the daemon.
    @Test("a caller reading stderr through a pipe to EOF is not held", arguments: [TracerMode.seccompSyscallInfo])
    func pipesReachEndOfFile(mode: TracerMode) throws {
        let workspace = try Workspace()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Locations.iotrace())
        process.arguments = ["--workspace", workspace.path] + mode.options
            + ["--", try Fixture.path("daemon_writer"), "early"]
        process.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let start = Date()
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        _ = out.fileHandleForReading.readDataToEndOfFile()
        let elapsed = Date().timeIntervalSince(start)
        process.waitUntilExit()
        let text = String(decoding: stderr, as: UTF8.self)
        #expect(process.terminationStatus == 3, "\(text)")
        #expect(elapsed < 0.45, "EOF came only after \(elapsed) s\n\(text)")
        #expect(text.contains("FILES WRITTEN:\n  - sub/parent.txt"), "\(text)")
        #expect(text.contains("WARNINGS:\n  - daemon "), "\(text)")
        #expect(appears(workspace, "sub/daemon.txt"))
    }

    /// A background process that stays in the session is no daemon: it is waited for (strace -f's rule).
    @Test("a background job in the session is waited for", arguments: [TracerMode.seccompSyscallInfo])
    func backgroundJobsAreWaitedFor(mode: TracerMode) throws {
        let workspace = try Workspace()
        let touch = try Fixture.path("touch")
        let run = try workspace.trace(["sh", "-c", "(sleep 0.3; \(touch) sub/late.txt) & exit 0"], mode: mode)
        try run.expectReport(Expected(writes: ["sub/late.txt"], outputs: ["sub/late.txt"]))
    }
}
