/// Issue 4, points 4 and 6: when tracing cannot work, one line says why and what to do (exit 125, nothing
/// run, no report); when seccomp is refused the trace falls back and the report stays exact; bad input
/// (an empty command, arguments that are not plain text) is handled before or without harm to the command.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Robustness: diagnostics and bad input", .serialized, .timeLimit(.minutes(2)))
struct RobustnessDiagnosticsTests {
    @Test("ptrace refused by a seccomp profile: exit 125, one line naming --cap-add SYS_PTRACE, nothing run")
    func ptraceRefused() throws {
        let workspace = try Workspace()
        let report = workspace.scratchFile("report.json")
        // The wrapper makes ptrace(2) fail with EPERM for itself and everything it starts, as Docker's
        // default seccomp profile does without CAP_SYS_PTRACE; then it execs the tracer.
        let arguments = ["ptrace", try Locations.iotrace(), "--engine", "ptrace", "--workspace", workspace.path,
                         "--format", "json", "-o", report, "--", try Fixture.path("touch"), "marker"]
        let result = try runProcess(try Fixture.path("seccomp_deny"), arguments, in: workspace.path, timeout: 20)
        let run = TraceRun(arguments: arguments, process: result,
                           reportBytes: FileManager.default.contents(atPath: report).map { Array($0) })
        #expect(run.status == 125, "\(run.diagnostics)")
        let lines = result.stderrText.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == 1, "exactly one line on stderr\n\(run.diagnostics)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("iotrace-native: ptrace is not permitted here"), "\(run.diagnostics)")
        #expect(line.contains("--cap-add SYS_PTRACE"), "\(run.diagnostics)")
        #expect(result.stdout.isEmpty, "\(run.diagnostics)")
        #expect(!workspace.exists("marker"), "the command ran although it could not be traced")
        #expect(run.reportBytes == nil, "a report was written")
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.scratch).isEmpty,
                "something (a temporary report?) was left in \(workspace.scratch)")
    }

    @Test("seccomp(2) refused: the trace steps every syscall instead, says so once, and the report is exact",
          arguments: [TracerMode.seccompSyscallInfo, .seccompRegisters])
    func seccompRefused(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/shared.txt")
        let report = workspace.scratchFile("report.json")
        let arguments = ["seccomp", try Locations.iotrace(), "--workspace", workspace.path, "--format", "json",
                         "-o", report] + mode.options + ["--", try Fixture.path("fork_tree"), "3"]
        let result = try runProcess(try Fixture.path("seccomp_deny"), arguments, in: workspace.path, timeout: 30)
        let run = TraceRun(arguments: arguments, process: result,
                           reportBytes: FileManager.default.contents(atPath: report).map { Array($0) })
        let written = (1...15).map { RawPath("sub/n-\($0).txt") }.sorted()
        try run.expectReport(Expected(writes: written, outputs: written))
        let lines = result.stderrText.split(separator: "\n").map(String.init)
        #expect(lines.count == 1, "one line on stderr, the note\n\(run.diagnostics)")
        let note = lines.first ?? ""
        #expect(note.hasPrefix("iotrace-native: note: "), "\(run.diagnostics)")
        #expect(note.contains("seccomp"), "the note says what was refused\n\(run.diagnostics)")
    }

    @Test("an empty command is 125: nothing after --, or an empty string as COMMAND",
          arguments: [[String](), [""], ["", "arg"]])
    func emptyCommand(command: [String]) throws {
        let workspace = try Workspace()
        let report = workspace.scratchFile("report.json")
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", report, "--"] + command, reportPath: report)
        #expect(run.status == 125, "\(run.diagnostics)")
        let lines = run.process.stderrText.split(separator: "\n")
        #expect(lines.count == 1, "\(run.diagnostics)")
        #expect(lines.first?.hasPrefix("iotrace-native: ") == true, "\(run.diagnostics)")
        #expect(run.reportBytes == nil, "a report was written")
        #expect(run.process.stdout.isEmpty, "\(run.diagnostics)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.scratch).isEmpty,
                "something (a temporary report?) was left in \(workspace.scratch)")
    }

    /// Spaces, quotes, shell characters, an empty argument, option-like words after the command, a newline,
    /// and bytes that are not UTF-8.
    static let awkwardArguments: [[UInt8]] = [
        Array("with space".utf8), Array("  leading and trailing  ".utf8), Array("\"double\" and 'single'".utf8),
        Array("back\\slash".utf8), Array("tab\there\nnewline".utf8), [], Array("--".utf8), Array("-o".utf8),
        Array("--workspace=/".utf8), Array("$HOME `id` $(id) * ? ~".utf8), Array("é€😀".utf8),
        [0xFF, 0xFE, 0x61], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xE9, 0x74, 0xE9], [0x01, 0x1B, 0x7F],
    ]

    @Test("arguments with spaces, quotes and non-UTF-8 bytes reach the command unchanged",
          arguments: TracerMode.allCases)
    func argumentsUnchanged(mode: TracerMode) throws {
        let workspace = try Workspace()
        let report = workspace.scratchFile("report.json")
        let program = try Fixture.path("write_argv")
        let arguments: [[UInt8]] = (["--workspace", workspace.path, "--format", "json", "-o", report]
            + mode.options + ["--", program]).map { Array($0.utf8) } + Self.awkwardArguments
        let result = try runProcessRaw(try Locations.iotrace(), arguments, in: workspace.path, timeout: 20)
        let run = TraceRun(arguments: arguments.map { RawPath(bytes: $0).description }, process: result,
                           reportBytes: FileManager.default.contents(atPath: report).map { Array($0) })
        let parsed = try run.expectReport(Expected(writes: ["sub/argv.bin"], outputs: ["sub/argv.bin"]))
        let received = Array(FileManager.default.contents(atPath: workspace.absolute("sub/argv.bin")) ?? Data())
        let expected: [UInt8] = Self.awkwardArguments.flatMap { argument -> [UInt8] in argument + [0] }
        #expect(received == expected, """
            the command got \(RawPath(bytes: received)), expected \(RawPath(bytes: expected))
            """)
        #expect(parsed.command == [RawPath(program)] + Self.awkwardArguments.map(RawPath.init(bytes:)),
                "the report's command")
    }
}
