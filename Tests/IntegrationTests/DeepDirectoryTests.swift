/// SPEC: Paths ("any byte sequence a kernel accepts is a valid path"). A directory can be deeper than PATH_MAX:
/// each call names it relative to a current directory or a dirfd, but /proc can no longer name it (readlink of
/// /proc/PID/cwd and /proc/PID/fd/N fails with ENAMETOOLONG past a page). The tracer keeps the names of such
/// directories from the chdir and open calls that reached them; where a name truly cannot be known, the
/// report warns rather than dropping the path in silence.
import Foundation
import Testing

/// deep_dirs.c's directory names: level N of chain `prefix` is `pNN-` and 95 `x`, 99 bytes.
func deepChain(_ prefix: Character, _ levels: Range<Int>) -> String {
    levels.map { "\(prefix)\(String($0).leftPadded(to: 2))-" + String(repeating: "x", count: 95) }
        .joined(separator: "/")
}

@Suite("Directories deeper than PATH_MAX", .serialized, .timeLimit(.minutes(2)))
struct DeepDirectoryTests {
    @Test("a file written in a cwd reached step by step, and linkat/openat into a deep dirfd, are reported whole",
          arguments: TracerMode.allCases)
    func reportedWhole(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("deep_dirs"), "walk"], mode: mode)
        let deep = "sub/" + deepChain("a", 0..<45) + "/deep.txt"
        let linkedDirectory = "sub/" + deepChain("b", 0..<50)
        #expect(deep.utf8.count > 4_096 && linkedDirectory.utf8.count > 4_096)
        let written = [RawPath(deep), RawPath(linkedDirectory + "/linked.txt"), RawPath(linkedDirectory + "/viafd.txt"),
                       "sub/src.txt"]
        // Every level made, each named whole (mkdir relative to a deep cwd included): 45 of one chain, 50 of
        // the other.
        let made = (levels(of: deepChain("a", 0..<45)) + levels(of: deepChain("b", 0..<50))).sorted()
        #expect(made.count == 95)
        // sub/ and the deep directory are opened O_DIRECTORY, as dirfds.
        try run.expectReport(Expected(writes: written, directories: made, listed: ["sub", RawPath(linkedDirectory)],
                                      outputs: written))
    }

    @Test("the text report prints such a path whole too")
    func text() throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("deep_dirs"), "walk"], mode: .seccompSyscallInfo,
                                      format: "text")
        let text = String(decoding: try #require(run.reportBytes, "\(run.diagnostics)"), as: UTF8.self)
        #expect(text.contains("  - sub/" + deepChain("a", 0..<45) + "/deep.txt\n"), "\(run.diagnostics)")
    }

    @Test("a cwd the trace never saw reached (the tracer started in it) cannot be named: the report warns",
          arguments: [TracerMode.seccompSyscallInfo, .steppingRegisters])
    func unknowableWarns(mode: TracerMode) throws {
        let workspace = try Workspace()
        let report = workspace.scratchFile("report.json")
        // deep_dirs goes 45 levels down untraced, then runs the tracer there, which runs touch there.
        let arguments = ["exec", try Locations.iotrace(), "--workspace", workspace.path, "--format", "json",
                         "-o", report] + mode.options + ["--", try Fixture.path("touch"), "lost.txt"]
        let process = try runProcess(try Fixture.path("deep_dirs"), arguments, in: workspace.path)
        let run = TraceRun(arguments: arguments, process: process,
                           reportBytes: FileManager.default.contents(atPath: report).map { Array($0) })
        #expect(run.status == 0, "\(run.diagnostics)")
        let parsed = try run.report()
        #expect(parsed.writes.isEmpty, "\(run.diagnostics)")
        #expect(parsed.warnings.count == 1 && parsed.warnings[0].contains("longer than PATH_MAX"),
                "\(run.diagnostics)")
    }
}
