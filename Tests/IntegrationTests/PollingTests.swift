/// The tracer spins briefly on waitpid(WNOHANG) before it sleeps (`--poll-window`, WaitBatch). Polling changes
/// when a stop is noticed, never what the report says: every other integration test runs with the default
/// window; these compare it with no polling and with a long window, and check that `--stats` counts the stops
/// polling caught.
import Foundation
import Testing

@Suite("Polling for stops", .serialized, .timeLimit(.minutes(2)))
struct PollingTests {
    /// The report's bytes and the number of stops caught while polling, from `--stats`.
    private func trace(_ workspace: Workspace, _ command: [String], mode: TracerMode, window: String)
        throws -> (report: [UInt8], polled: Int)
    {
        let run = try workspace.trace(command, mode: mode, options: ["--stats", "--poll-window", window])
        #expect(run.status == 0, "\(run.diagnostics)")
        let (line, numbers) = try run.stats()
        #expect(line.hasSuffix("caught while polling"), "\(line)")
        let polled = try #require(numbers.last, "\(line)")
        return (try #require(run.reportBytes, "no report\n\(run.diagnostics)"), polled)
    }

    // --poll-window is the ptrace engine's (how its loop waits for stops); the eBPF engine has no stops.
    @Test("500 creates and 8 threads: the same report without polling, with the default window and a long one",
          arguments: TracerMode.allCases.filter(\.isPtrace))
    func sameReportWhateverTheWindow(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/shared.txt")
        for command in [[try Fixture.path("many_files"), "500"], [try Fixture.path("threads")]] {
            // Each run starts from the same files: many_files truncates what it creates, threads rewrites.
            let none = try trace(workspace, command, mode: mode, window: "0")
            let standard = try trace(workspace, command, mode: mode, window: "50")
            let long = try trace(workspace, command, mode: mode, window: "5000")
            #expect(none.polled == 0, "--poll-window 0 never polls")
            #expect(standard.report == none.report, "\(command[0]): the default window changed the report")
            #expect(long.report == none.report, "\(command[0]): a 5 ms window changed the report")
            // 500 opens of files in the workspace, two stops each, one right after the other: a 5 ms window
            // catches nearly all of them.
            if command.count == 2 {
                #expect(long.polled > 500, "\(command[0]): only \(long.polled) stops caught while polling")
            }
        }
    }
}
