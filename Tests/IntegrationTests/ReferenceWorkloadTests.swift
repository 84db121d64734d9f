/// SPEC: The reference workload. `node test-script.mjs` traced with a copy of the fixtures folder as the
/// workspace reads exactly input.txt and test-script.mjs and writes exactly output/output.txt.
import Foundation
import Testing

private let node = Locations.onPath("node")

@Suite("Reference workload", .serialized, .timeLimit(.minutes(2)),
       .enabled(if: node != nil, "node not found on PATH: the reference workload needs Node.js"))
struct ReferenceWorkloadTests {
    /// A workspace holding copies of Fixtures/test-script.mjs and Fixtures/input.txt.
    private func makeWorkspace() throws -> Workspace {
        let workspace = try Workspace()
        for name in ["test-script.mjs", "input.txt"] {
            try FileManager.default.copyItem(atPath: "\(Locations.repository)/Fixtures/\(name)",
                                            toPath: workspace.absolute(name))
        }
        return workspace
    }

    @Test("node test-script.mjs: reads input.txt and test-script.mjs, writes output/output.txt",
          arguments: TracerMode.allCases)
    func reference(mode: TracerMode) throws {
        let workspace = try makeWorkspace()
        let run = try workspace.trace(["node", "test-script.mjs"], mode: mode)
        try run.expectReport(reads: ["input.txt", "test-script.mjs"], writes: ["output/output.txt"])
        let stdout = run.process.stdoutText
        #expect(stdout.contains("Done!"), "\(run.diagnostics)\nstdout: \(stdout)")
        #expect(!stdout.contains("FILES") && !stdout.contains("\"reads\""), "the report leaked into stdout: \(stdout)")
        #expect(workspace.contents("output/output.txt")
            == "HELLO WORLD FROM INPUT FILE\nTHIS IS TEST DATA FOR EBPF TRACING\n")
    }

    @Test("the text report, by default on stderr, is exactly SPEC's")
    func textReport() throws {
        let workspace = try makeWorkspace()
        let run = try workspace.runTracer(["--workspace", workspace.path, "--", "node", "test-script.mjs"])
        #expect(run.status == 0, "\(run.diagnostics)")
        #expect(run.process.stderrText == """
            FILES READ:
              - input.txt
              - test-script.mjs

            FILES WRITTEN:
              - output/output.txt

            """, "\(run.diagnostics)")
        #expect(run.process.stdoutText.hasSuffix("Done!\n"), "\(run.process.stdoutText)")
    }
}
