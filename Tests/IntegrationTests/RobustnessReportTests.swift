/// Issue 4, point 5: the report is written atomically (a temporary file, then rename), so a reader of the
/// -o file never sees half of one: while the command runs the file is absent or holds the previous complete
/// report, afterwards it holds the new complete one, and no temporary file is left beside it.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Robustness: atomic report", .serialized, .timeLimit(.minutes(2)))
struct RobustnessReportTests {
    /// What a reader polling the report file saw while the tracer ran.
    final class Observations: @unchecked Sendable {
        /// Each distinct content read (nil: the file did not exist), in the order first seen.
        var contents: [[UInt8]?] = []
        var reads = 0
        /// Names seen in the report's directory besides the report itself.
        var otherNames = Set<String>()
    }

    /// Reads `path` every millisecond until the tracer `pid` has exited.
    private func watch(_ path: String, directory: String, tracer pid: pid_t, into seen: Observations) {
        let name = (path as NSString).lastPathComponent
        let deadline = Date().addingTimeInterval(60)
        while !["", "Z", "X"].contains(processState(pid)) && Date() < deadline {
            let content = FileManager.default.contents(atPath: path).map { Array($0) }
            seen.reads += 1
            if !seen.contents.contains(where: { $0 == content }) {
                seen.contents.append(content)
            }
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where entry != name {
                seen.otherNames.insert(entry)
            }
            usleep(1_000)
        }
    }

    @Test("while a long command runs, -o FILE is absent or the previous complete report; then the new one",
          arguments: [false, true])
    func atomicReplace(previousReport: Bool) throws {
        let workspace = try Workspace()
        defer { emptyBigDirectory(workspace.absolute("sub")) }   // 20,000 files: see removeTreeInPlace
        let directory = workspace.scratch + "/reports"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let report = directory + "/report.json"
        var previous: [UInt8]?
        if previousReport {
            let first = try workspace.runTracer(
                ["--workspace", workspace.path, "--format", "json", "-o", report, "--", try Fixture.path("touch"),
                 "sub/previous"], reportPath: report)
            try first.expectReport(Expected(writes: ["sub/previous"], outputs: ["sub/previous"]))
            previous = first.reportBytes
        }
        // 20,000 files make a report of about 400 kB, and the command then sleeps 300 ms more: a long window
        // for the reader, and a report big enough that writing it in place would be seen half done.
        let seen = Observations()
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", report, "--",
             try Fixture.path("many_files"), "20000", "300"], reportPath: report, timeout: 90) { tracer in
            watch(report, directory: directory, tracer: tracer, into: seen)
        }
        let written = (0..<20_000).map { RawPath("sub/f-" + String($0).leftPadded(to: 6)) }
        let parsed = try run.expectReport(Expected(writes: written, outputs: written))
        let final = try #require(run.reportBytes)
        #expect(seen.reads > 100, "the reader read only \(seen.reads) times")
        for content in seen.contents {
            if let content {
                #expect(content == previous || content == final,
                        "a reader saw \(content.count) bytes that are neither the previous report nor the new one")
                #expect((try? TraceReport(json: content)) != nil, "a reader saw an incomplete report")
            } else {
                #expect(previous == nil, "the previous report vanished while the command ran")
            }
        }
        #expect(seen.contents.first == .some(previous), "what the reader saw first: not the previous state")
        #expect(parsed.writes.count == 20_000)
        print("atomic report: \(seen.reads) reads, \(seen.contents.count) distinct states, other names seen: "
              + "\(seen.otherNames.sorted())")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["report.json"],
                "a temporary file was left beside the report")
    }
}
