/// The plain trace's usual command line is read without argument-parser (CommonTraceLine, for the start-up
/// cost); every line it takes must mean exactly what argument-parser makes of it, and every other line must be
/// left to argument-parser, which alone says what is wrong with a bad one (SPEC: Command line, Exit status).
import ArgumentParser
import Foundation
@testable import iotrace_native
import Testing

/// Every value a parsed trace holds, property wrappers included: a field the quick reading forgot to set shows
/// as argument-parser's unset definition instead of a value, so a new option cannot slip past these tests.
private func fields(_ trace: Trace) -> String {
    var text = ""
    dump(trace.options, to: &text)
    dump(trace.views, to: &text)
    dump(trace.command, to: &text)
    return text
}

@Suite("The usual trace line, read without argument-parser")
struct CommonTraceLineTests {
    static let takenLines: [[String]] = [
        ["--", "/bin/true"],
        ["--", "node", "test-script.mjs", "--help", "--version", "--", "-o", "x"],
        ["--engine", "ptrace", "-o", "/dev/null", "--", "/bin/true"],
        ["--engine", "ebpf", "--output", "-", "--format", "json", "--", "/bin/true"],
        ["--workspace", "/tmp", "--ignore", "build", "--ignore", "dist", "--no-default-ignores", "--", "make"],
        ["--no-seccomp", "--decoding", "registers", "--poll-window", "0", "--allow-io-uring", "--", "sh", "-c", ":"],
        ["--engine", "auto", "--poll-window", "+100000", "--decoding", "syscall-info", "--", "x"],
        ["--summary", "--processes", "--stats", "--events", "/tmp/events.jsonl", "--format", "text", "--", "x"],
        ["-o", "-", "--", "-"],
        ["--workspace", "/", "--", "a b", ""],
    ]

    @Test("a line it takes gives what argument-parser gives", arguments: takenLines)
    func taken(_ arguments: [String]) throws {
        let quick = try #require(CommonTraceLine.parse(arguments))
        let parsed = try #require(try IOTrace.parseAsRoot(arguments) as? Trace)
        #expect(fields(quick) == fields(parsed))
    }

    static let leftLines: [[String]] = [
        [], ["--"], ["/bin/true"], ["--help"], ["-h", "--", "x"], ["--version", "--", "x"], ["help", "--", "x"],
        ["trace", "--", "x"], ["compare", "--", "x"], ["check", "--nx", "a:b", "--", "x"],
        ["--format=json", "--", "x"], ["--output=/dev/null", "--", "x"], ["-o/dev/null", "--", "x"],
        ["--frobnicate", "--", "x"], ["--ring-buffer-bytes", "4096", "--", "x"],
        ["--generate-completion-script", "bash", "--", "x"], ["--experimental-dump-help", "--", "x"],
        ["--format", "xml", "--", "x"], ["--engine", "bpf", "--", "x"], ["--decoding", "nope", "--", "x"],
        ["--poll-window", "fast", "--", "x"], ["--poll-window", "-5", "--", "x"],
        ["--format", "json", "--format", "text", "--", "x"], ["-o", "a", "--output", "b", "--", "x"],
        ["--summary", "--summary", "--", "x"], ["--workspace", "--", "x"], ["--workspace", "-x", "--", "y"],
        ["--events", "--stats", "--", "x"], ["--format"],
        // Parsed, then refused by validate(): argument-parser reports these.
        ["--poll-window", "100001", "--", "x"], ["--engine", "ebpf", "--no-seccomp", "--", "x"],
        ["--workspace", "/no/such/directory", "--", "x"], ["-o", "/tmp", "--", "x"], ["--ignore", "a/b", "--", "x"],
        ["--ignore", "", "--", "x"], ["--events", "", "--", "x"], ["-o", "", "--", "x"], ["--", ""],
    ]

    @Test("anything else is left to argument-parser", arguments: leftLines)
    func left(_ arguments: [String]) {
        #expect(CommonTraceLine.parse(arguments) == nil)
    }

    @Test("the binary traces alike, read either way")
    func sameRun() throws {
        let workspace = try Workspace()
        let touch = try Fixture.path("touch")
        var reports: [String] = []
        // `--name=value` words always go through argument-parser.
        for (index, form) in [["--format", "json", "-o"], ["--format=json", "-o"]].enumerated() {
            let report = workspace.scratchFile("report\(index).json")
            let run = try workspace.runTracer(form + [report, "--", touch, "marker\(index)"], reportPath: report)
            #expect(run.status == 0, "\(run.diagnostics)")
            let text = String(decoding: try #require(run.reportBytes, "\(run.diagnostics)"), as: UTF8.self)
            reports.append(text.replacingOccurrences(of: "marker\(index)", with: "marker"))
        }
        #expect(reports[0].contains("marker"))
        #expect(reports[0] == reports[1])
    }
}
