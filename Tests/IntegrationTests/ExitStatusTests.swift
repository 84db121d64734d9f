/// SPEC: Exit status. The command's own status, 128+N when it was killed by signal N, 127 when it was not
/// found and 126 when it could not be executed; the report is written in all of these cases.
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Exit status", .serialized, .timeLimit(.minutes(2)))
struct ExitStatusTests {
    @Test("the command's exit status N", arguments: [1, 7, 255], TracerMode.allCases)
    func exitStatus(code: Int32, mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("exit_status"), String(code)], mode: mode)
        let report = try run.expectReport(exitCode: code, Expected(writes: ["sub/before-exit.txt"],
                                                                   outputs: ["sub/before-exit.txt"]))
        #expect(report.signal == nil)
    }

    @Test("killed by signal N: 128+N, with the opens done before", arguments: [
        ("abort", SIGABRT), ("SIGTERM", SIGTERM), ("SIGKILL", SIGKILL), ("SIGSEGV", SIGSEGV),
    ], TracerMode.allCases)
    func killedBySignal(how: (String, Int32), mode: TracerMode) throws {
        let (name, signal) = how
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("die_by_signal"), name], mode: mode)
        let report = try run.expectReport(exitCode: 128 + signal, Expected(writes: ["sub/before-signal.txt"],
                                                                           outputs: ["sub/before-signal.txt"]))
        #expect(report.signal == Int(signal))
    }

    @Test("command not found: 127 and an empty report", arguments: ["no-such-command-iotrace-test", "./no-such-file"],
          TracerMode.allCases)
    func notFound(command: String, mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([command], mode: mode)
        try run.expectReport(exitCode: 127)
        #expect(run.process.stderrText.contains(command), "\(run.diagnostics)")
    }

    @Test("found but not executable: 126 and an empty report", arguments: ["./sub/not-executable", "./sub"],
          TracerMode.allCases)
    func notExecutable(command: String, mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/not-executable", "#!/bin/sh\ntouch sub/ran\n", permissions: 0o644)
        let run = try workspace.trace([command], mode: mode)
        try run.expectReport(exitCode: 126)
        #expect(!workspace.exists("sub/ran"))
    }
}
