/// Issue 4, point 5: the tracer holds under load and loses nothing. Every case runs in the four tracer modes
/// and expects the exact set of files, with no hang (each run has its own deadline; a run past it is killed
/// and fails the test).
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Robustness: load", .serialized, .timeLimit(.minutes(3)))
struct RobustnessLoadTests {
    @Test("1,023 processes as a binary tree of forks (depth 9), each writing its own file",
          arguments: TracerMode.allCases)
    func forkTree(mode: TracerMode) throws {
        let workspace = try Workspace()
        defer { emptyBigDirectory(workspace.absolute("sub")) }   // 1,023 files: see removeTreeInPlace
        let run = try workspace.trace([try Fixture.path("fork_tree"), "9"], mode: mode, timeout: 60)
        let written = (1...1023).map { RawPath("sub/n-\($0).txt") }.sorted()
        try run.expectReport(Expected(writes: written, outputs: written))
        let seconds = String(format: "%.2f", run.process.duration)
        print("fork tree of 1,023 processes, \(mode.testDescription): \(seconds) s")
    }

    @Test("64 threads opening files at once", arguments: TracerMode.allCases)
    func threadStorm(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/shared.txt")
        let run = try workspace.trace([try Fixture.path("thread_storm"), "64"], mode: mode, timeout: 30)
        let written = (0..<64).map { RawPath("sub/t-\($0).txt") }.sorted()
        try run.expectReport(Expected(reads: ["sub/shared.txt"], writes: written, inputs: ["sub/shared.txt"],
                                      outputs: written))
    }

    @Test("a chain of 100 nested execs, each level writing its own file",
          arguments: ["plain", "thread"], TracerMode.allCases)
    func execChain(how: String, mode: TracerMode) throws {
        // "thread": every other exec is made by a thread that is not the leader.
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("exec_chain"), "100", how], mode: mode, timeout: 60)
        let levels = (0...100).map { RawPath("sub/level-" + String($0).leftPadded(to: 3) + ".txt") }
        try run.expectReport(Expected(writes: levels, outputs: levels))
    }

    @Test("a thread forks as fast as it can while the main thread execs: every child that was born is traced",
          arguments: TracerMode.allCases)
    func forkWhileExec(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("fork_while_exec")], mode: mode, timeout: 30)
        // Which forks completed before the exec killed the forking thread is the race's to decide; the files
        // on disk are the truth the report must match.
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: workspace.absolute("sub"))
            .map { RawPath("sub/" + $0) }.sorted()
        let forked = onDisk.filter { $0.description.contains("forked-") }.count
        #expect(forked >= 20, "the fixture reaps at least the 20 children it waited for; \(forked) wrote a file")
        #expect(onDisk.contains("sub/after-exec.txt"))
        try run.expectReport(Expected(writes: onDisk, outputs: onDisk))
        #expect(run.process.stdoutText == "reaped \(forked) children\n", "every child written was reaped")
    }
}
