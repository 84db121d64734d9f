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
        // node stats its main module before reading it; the script makes output/ with mkdir.
        try run.expectReport(Expected(reads: ["input.txt", "test-script.mjs"], writes: ["output/output.txt"],
                                      probes: ["test-script.mjs"], directories: ["output"],
                                      inputs: ["input.txt", "test-script.mjs"], outputs: ["output/output.txt"]))
        let stdout = run.process.stdoutText
        #expect(stdout.contains("Done!"), "\(run.diagnostics)\nstdout: \(stdout)")
        #expect(!stdout.contains("FILES") && !stdout.contains("\"reads\""), "the report leaked into stdout: \(stdout)")
        #expect(workspace.contents("output/output.txt")
            == "HELLO WORLD FROM INPUT FILE\nTHIS IS TEST DATA FOR EBPF TRACING\n")
    }

    /// SPEC's text is the proof of concept's two sections; the model's other sets follow them (issue 5), each
    /// under a heading of its own with a count, so a reader of the two stops at the first heading it does
    /// not know.
    @Test("the text report, by default on stderr, begins with exactly SPEC's two sections")
    func textReport() throws {
        let workspace = try makeWorkspace()
        let run = try workspace.runTracer(["--workspace", workspace.path, "--", "node", "test-script.mjs"])
        #expect(run.status == 0, "\(run.diagnostics)")
        let spec = """
            FILES READ:
              - input.txt
              - test-script.mjs

            FILES WRITTEN:
              - output/output.txt

            """
        let text = run.process.stderrText
        #expect(text.hasPrefix(spec), "\(run.diagnostics)")
        let rest = text.dropFirst(spec.count)
        for block in rest.split(separator: "\n\n", omittingEmptySubsequences: false) where !rest.isEmpty {
            let lines = block.split(separator: "\n")
            let heading = lines.first.map(String.init) ?? ""
            #expect(heading.range(of: #"^\n?[A-Z][A-Z ]+ \([0-9,]+\):$"#, options: .regularExpression) != nil,
                    "not a section heading with a count: \(heading)\n\(run.diagnostics)")
            #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("  - ") }, "\(run.diagnostics)")
            #expect(!heading.hasPrefix("FILES READ") && !heading.hasPrefix("FILES WRITTEN"))
        }
        #expect(text.contains("\nINPUTS (2):\n  - input.txt\n  - test-script.mjs\n"), "\(run.diagnostics)")
        #expect(text.contains("\nOUTPUTS (1):\n  - output/output.txt\n"), "\(run.diagnostics)")
        #expect(run.process.stdoutText.hasSuffix("Done!\n"), "\(run.process.stdoutText)")
    }
}
