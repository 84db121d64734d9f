/// Issue 5, point 4: the same work under real strace (the parser's whole trace set) and under iotrace-native,
/// each in a freshly made workspace at the same path, gives the same report on every key.
import Foundation
import TraceModel
import Kernel
import PtraceEngine
import StraceReader
import Testing

private let strace = Locations.onPath("strace")

@Suite("strace agrees on every key", .serialized, .timeLimit(.minutes(5)),
       .enabled(if: strace != nil, "strace not found on PATH: nothing to compare against"))
struct StraceAgreementTests {
    /// Every path key of the report, named as in the JSON.
    static func keys(_ report: Report) -> [String: [RawPath]] {
        Dictionary(uniqueKeysWithValues: PathSet.allCases.map { ($0.key, report[$0].map { RawPath(bytes: $0) }) })
    }

    static func keys(_ report: TraceReport) -> [String: [RawPath]] {
        Dictionary(uniqueKeysWithValues: PathSet.allCases.map { ($0.key, report[$0]) })
    }

    /// Runs `command` under `strace StraceLog.straceOptions` in the workspace `setUp` made, records the log into
    /// a builder at once (a read-only open is checked against the file system as it is then), empties the
    /// workspace, makes it again, and traces `command` natively in `mode`. Returns both reports' keys.
    func bothReports(_ command: [String], mode: TracerMode, setUp: (Workspace) throws -> Void) throws
        -> (strace: [String: [RawPath]], native: [String: [RawPath]], diagnostics: String)
    {
        let workspace = try Workspace()
        try setUp(workspace)
        let logPath = workspace.scratchFile("strace.log")
        let run = try runProcess(try #require(strace), StraceLog.straceOptions(log: logPath) + ["--"] + command,
                                 in: workspace.path)
        #expect(run.status == 0, "strace: \(run.stderrText)")
        let logBytes = try #require(FileManager.default.contents(atPath: logPath), "strace wrote no log")
        let log = StraceLog(parsing: Array(logBytes), initialDirectory: Array(workspace.path.utf8))
        #expect(log.issues == [], "\(log.issues)")
        let canonical = URL(fileURLWithPath: workspace.path).resolvingSymlinksInPath().path
        var builder = ReportBuilder(filter: WorkspaceFilter(
            roots: [Array(workspace.path.utf8), Array(canonical.utf8)],
            ignoredNames: WorkspaceFilter.defaultIgnoredNames.map { Array($0.utf8) }))
        log.record(into: &builder)
        let straceReport = builder.build(command: command.map { Array($0.utf8) }, outcome: .exited(0))

        removeTree(workspace.path)
        try FileManager.default.createDirectory(atPath: workspace.path + "/sub", withIntermediateDirectories: true)
        try setUp(workspace)
        let native = try workspace.trace(command, mode: mode)
        let nativeReport = try native.report()
        #expect(native.status == 0, "\(native.diagnostics)")
        let diagnostics = "\(native.diagnostics)\nstrace log:\n" + String(decoding: logBytes, as: UTF8.self)
        return (Self.keys(straceReport), Self.keys(nativeReport), diagnostics)
    }

    func expectAgreement(_ reports: (strace: [String: [RawPath]], native: [String: [RawPath]], diagnostics: String),
                         sourceLocation: SourceLocation = #_sourceLocation) {
        for key in reports.native.keys.sorted() {
            #expect(reports.strace[key] == reports.native[key], "\(key)\n\(reports.diagnostics)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("path_calls: every call the model decodes, each key equal", arguments: TracerMode.allCases)
    func pathCalls(mode: TracerMode) throws {
        let program = try Fixture.path("path_calls")
        let reports = try bothReports([program], mode: mode) { workspace in
            for name in ["probe.txt", "gone.txt", "old.txt", "a.txt", "b.txt", "src.txt", "long.txt"] {
                try workspace.file("sub/" + name)
            }
            try workspace.directory("sub/other")
            try workspace.directory("sub/rmme")
        }
        expectAgreement(reports)
        // Not an agreement of two empty reports: the model's keys are all there.
        #expect(reports.native["probes"] == ["sub/probe.txt"])
        #expect(reports.native["deletes"]?.count == 4 && reports.native["directories"]?.count == 2)
        #expect(reports.native["listed"] == ["sub/other"] && reports.native["missing"]?.count == 4)
    }

    @Test("rm -rf of a tree, from a subdirectory: listings, probes, deletes", arguments: TracerMode.allCases)
    func removeTreeAgreement(mode: TracerMode) throws {
        let reports = try bothReports(["/bin/sh", "-c", "cd sub && rm -rf tree"], mode: mode) { workspace in
            try workspace.file("sub/tree/a.txt")
            try workspace.file("sub/tree/deep/b.txt")
            try workspace.file("sub/tree/deep/deeper/c.txt")
        }
        expectAgreement(reports)
        #expect(reports.native["deletes"]?.count == 6)
        #expect(reports.native["listed"] == ["sub/tree", "sub/tree/deep", "sub/tree/deep/deeper"])
    }

    @Test("a PATH search, a chdir and a forked child: missing, executed, relative calls with no dirfd",
          arguments: TracerMode.allCases)
    func processes(mode: TracerMode) throws {
        let reports = try bothReports(["/bin/sh", "-c", "PATH=$PWD/sub/nobin:$PATH; cd sub && mkdir -p made/inner "
                                       + "&& ( cd made && touch f && mv f g && cat g ) && ln -s made link "
                                       + "&& cat link/g >/dev/null && ls made > list.txt"],
                                      mode: mode) { workspace in
            try workspace.directory("sub/nobin")
        }
        expectAgreement(reports)
        #expect(reports.native["missing"]?.contains("sub/nobin/mkdir") == true)
        #expect(reports.native["directories"] == ["sub/made", "sub/made/inner"])
        #expect(reports.native["writes"]?.contains("sub/made/g") == true)
    }

    @Test("node test-script.mjs: the reference workload, every key", arguments: TracerMode.allCases)
    func reference(mode: TracerMode) throws {
        guard Locations.onPath("node") != nil else {
            print("node is not on PATH: the reference workload was not compared")
            return
        }
        let reports = try bothReports(["node", "test-script.mjs"], mode: mode) { workspace in
            for name in ["test-script.mjs", "input.txt"] {
                try FileManager.default.copyItem(atPath: "\(Locations.repository)/Fixtures/\(name)",
                                                toPath: workspace.absolute(name))
            }
        }
        expectAgreement(reports)
        #expect(reports.native["reads"] == ["input.txt", "test-script.mjs"])
        #expect(reports.native["directories"] == ["output"])
    }
}

@Suite("compare", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: strace != nil, "strace not found on PATH: compare cannot run"))
struct CompareCommandTests {
    @Test("compare --strace-log: a saved log of path_calls agrees with a native run on every key")
    func savedLog() throws {
        let program = try Fixture.path("path_calls")
        let workspace = try Workspace()
        func setUp() throws {
            removeTree(workspace.path)
            for name in ["probe.txt", "gone.txt", "old.txt", "a.txt", "b.txt", "src.txt", "long.txt"] {
                try workspace.file("sub/" + name)
            }
            try workspace.directory("sub/other")
            try workspace.directory("sub/rmme")
        }
        try setUp()
        let options = try workspace.runTracer(["compare", "--print-strace-options"])
        let log = workspace.scratchFile("strace.log")
        let straceOptions = options.process.stdoutText.split(separator: "\n").map { $0 == "FILE" ? log : String($0) }
        #expect(straceOptions == StraceLog.straceOptions(log: log))
        _ = try runProcess(try #require(strace), straceOptions + ["--", program], in: workspace.path)
        try setUp()
        let output = workspace.scratchFile("compare.json")
        let run = try workspace.runTracer(["compare", "--strace-log", log, "--format", "json", "-o", output, "--",
                                           program])
        let json = String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self)
        #expect(run.status == 0, "\(run.diagnostics)\n\(json)")
        #expect(json.contains("\"agree\": true") && json.contains("\"straceLogIssues\": 0"), "\(json)")
        #expect(json.contains("\"onlyNativeProbes\": []") && json.contains("\"straceSeconds\": null"), "\(json)")
    }

    @Test("compare runs strace then the tracer: a difference between the runs is reported, with its key")
    func difference() throws {
        let workspace = try Workspace()
        try workspace.file("in.txt")
        // The first run (strace's) creates the marker; only the second (native) then reads in.txt.
        let run = try workspace.runTracer(["compare", "--", "/bin/sh", "-c",
                                           "test -e marker && cat in.txt; : > marker"])
        let text = run.process.stderrText
        #expect(run.status == 1, "\(run.diagnostics)")
        #expect(text.contains("REPORTS DIFFER in reads"), "\(text)")
        #expect(text.contains("READS only natively:\n  - in.txt"), "\(text)")
        #expect(text.contains("MISSING only under strace:\n  - marker"), "\(text)")
    }

    @Test("compare prints each run's wall time and their ratio")
    func times() throws {
        let workspace = try Workspace()
        let run = try workspace.runTracer(["compare", "--", "/bin/true"])
        let text = run.process.stderrText
        #expect(run.status == 0, "\(run.diagnostics)")
        for label in ["strace -f:", "iotrace-native:", "ratio:"] {
            let line = text.split(separator: "\n").first { $0.contains(label) }
            let number = line.flatMap { $0.split(separator: " ").compactMap { Double($0) }.first }
            #expect(number.map { $0 > 0 } == true, "no positive figure after '\(label)'\n\(text)")
        }
    }

    @Test("compare without strace on PATH: one line saying so, 125, nothing run")
    func withoutStrace() throws {
        let workspace = try Workspace()
        let run = try workspace.runTracer(["compare", "--", "/bin/sh", "-c", ": > marker"],
                                          environment: ["PATH": "/nonexistent"])
        #expect(run.status == 125, "\(run.diagnostics)")
        let lines = run.process.stderrText.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("strace") && lines[0].contains("not on PATH"),
                "\(run.diagnostics)")
        #expect(!workspace.exists("marker"), "the command ran")
    }

    @Test("compare of the reference workload agrees on every key once its output exists")
    func reference() throws {
        guard Locations.onPath("node") != nil else {
            print("node is not on PATH: compare of the reference workload was not run")
            return
        }
        let workspace = try Workspace()
        for name in ["test-script.mjs", "input.txt"] {
            try FileManager.default.copyItem(atPath: "\(Locations.repository)/Fixtures/\(name)",
                                            toPath: workspace.absolute(name))
        }
        _ = try runProcess(try #require(Locations.onPath("node")), ["test-script.mjs"], in: workspace.path)
        let run = try workspace.runTracer(["compare", "--", "node", "test-script.mjs"])
        #expect(run.status == 0, "\(run.diagnostics)")
        #expect(run.process.stderrText.contains("REPORTS AGREE on every key: 2 reads, 1 writes"),
                "\(run.process.stderrText)")
    }
}
