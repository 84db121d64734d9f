/// SPEC: What is traced. Signals and group-stops behave as they would untraced, and signals sent to the
/// tracer are passed on to the command.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Signals", .serialized, .timeLimit(.minutes(2)))
struct SignalsTests {
    @Test("SIGSTOP then SIGCONT: the stopped child resumes and the trace finishes", arguments: TracerMode.allCases)
    func stopAndContinue(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("stop_continue")], mode: mode, timeout: 20)
        try run.expectReport(Expected(writes: ["sub/after-stop.txt"], outputs: ["sub/after-stop.txt"]))
    }

    @Test("the command itself stops with SIGSTOP and goes on when SIGCONT comes from outside",
          arguments: TracerMode.allCases)
    func commandStoppedAndContinuedFromOutside(mode: TracerMode) throws {
        let workspace = try Workspace()
        var sawStopped = false
        let run = try workspace.trace([try Fixture.path("self_stop")], mode: mode, timeout: 20) { tracer in
            // The command is the tracer's child. Until it has written its file, continue it whenever it is
            // seen stopped: SIGCONT to a running process does nothing, so an early one does no harm.
            let deadline = Date().addingTimeInterval(10)
            while !workspace.exists("sub/after-stop.txt") && Date() < deadline {
                // The launched iotrace-native is a monitor; the trace runs in its child (README: Design).
                let commands = childrenOf(tracer).flatMap { [$0] + childrenOf($0) }
                for child in commands where ["T", "t"].contains(processState(child)) {
                    sawStopped = true
                    kill(child, SIGCONT)
                }
                usleep(10_000)
            }
        }
        try run.expectReport(Expected(writes: ["sub/after-stop.txt"], outputs: ["sub/after-stop.txt"]))
        #expect(sawStopped, "the command was never seen stopped")
    }

    @Test("a signal handler that opens a file", arguments: TracerMode.allCases)
    func handlerOpens(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("signal_handler")], mode: mode)
        let written: [RawPath] = ["sub/after-handler.txt", "sub/from-handler.txt"]
        try run.expectReport(Expected(writes: written, outputs: written))
    }

    @Test("SIGTERM, SIGINT and SIGHUP sent to the tracer reach the command; the report is still written",
          arguments: [SIGTERM, SIGINT, SIGHUP], TracerMode.allCases)
    func forwardedToCommand(signal: Int32, mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("await_signal")], mode: mode, timeout: 20) { tracer in
            // The fixture writes sub/ready.txt and then waits for a signal.
            let deadline = Date().addingTimeInterval(10)
            while !workspace.exists("sub/ready.txt") {
                guard Date() < deadline else { throw HarnessError("the fixture never wrote sub/ready.txt") }
                usleep(5_000)
            }
            kill(tracer, signal)
        }
        let report = try run.expectReport(exitCode: 128 + signal,
                                          Expected(writes: ["sub/ready.txt"], outputs: ["sub/ready.txt"]))
        #expect(report.signal == Int(signal))
    }

    @Test("SIGKILL to the tracer kills the command with it (PTRACE_O_EXITKILL)", arguments: TracerMode.allCases)
    func tracerKilled(mode: TracerMode) throws {
        let workspace = try Workspace()
        var command: pid_t = 0
        let run = try workspace.trace([try Fixture.path("await_signal")], mode: mode, timeout: 20) { tracer in
            let deadline = Date().addingTimeInterval(10)
            while !workspace.exists("sub/ready.txt") {
                guard Date() < deadline else { throw HarnessError("the fixture never wrote sub/ready.txt") }
                usleep(5_000)
            }
            command = try #require(childrenOf(tracer).first, "the tracer has no child")
            kill(tracer, SIGKILL)
        }
        #expect(run.status == 128 + SIGKILL, "\(run.diagnostics)")
        // Gone, or a zombie left for a PID 1 that does not reap (as in many containers).
        let deadline = Date().addingTimeInterval(5)
        while !["", "Z"].contains(processState(command)) && Date() < deadline { usleep(5_000) }
        #expect(["", "Z"].contains(processState(command)), "the command (pid \(command)) outlived its tracer")
        // Do not leave it behind if it did (checking it is still the fixture, not a reused pid).
        let commandLine = (try? String(contentsOfFile: "/proc/\(command)/cmdline", encoding: .utf8)) ?? ""
        if !["", "Z"].contains(processState(command)) && commandLine.contains("await_signal") {
            kill(command, SIGKILL)
        }
    }
}

/// The pids of `pid`'s children, from /proc/PID/task/*/children.
func childrenOf(_ pid: pid_t) -> [pid_t] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
    return tasks.flatMap { task -> [pid_t] in
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

/// The name in /proc/PID/comm (the executable's, cut to 15 bytes), or "" when it cannot be read.
func processName(_ pid: pid_t) -> String {
    ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .newlines)
}

/// The state letter in /proc/PID/stat ("R", "S", "T", "t", ...), or "" when it cannot be read.
func processState(_ pid: pid_t) -> String {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let end = stat.range(of: ") ", options: .backwards)
    else { return "" }
    return String(stat[end.upperBound...].prefix(1))
}
