/// Issue 5: io_uring_setup fails with ENOSYS unless --allow-io-uring, and a ring set up is warned about.
import Foundation
import Testing

@Suite("io_uring", .serialized, .timeLimit(.minutes(3)))
struct IoUringTests {
    @Test("by default io_uring_setup fails with ENOSYS, and nothing is warned", arguments: TracerMode.allCases)
    func refusedByDefault(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("ring-witness.txt")
        let run = try workspace.trace([try Fixture.path("ring_setup")], mode: mode)
        let report = try run.expectReport(Expected(reads: ["ring-witness.txt"], inputs: ["ring-witness.txt"]))
        #expect(run.process.stdoutText.contains("ring errno 38"), "ENOSYS expected\n\(run.diagnostics)")
        #expect(!report.warnings.contains { $0.contains("io_uring") }, "\(run.diagnostics)")
    }

    @Test("with --allow-io-uring the ring is made and the report warns that what goes through it is not seen",
          arguments: TracerMode.allCases)
    func allowedAndWarned(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("ring-witness.txt")
        let run = try workspace.trace([try Fixture.path("ring_setup")], mode: mode, options: ["--allow-io-uring"])
        let report = try run.report()
        #expect(run.status == 0 && report.reads == ["ring-witness.txt"], "\(run.diagnostics)")
        #expect(run.process.stdoutText.contains("ring fd "), "the kernel here may lack io_uring\n\(run.diagnostics)")
        #expect(report.warnings.contains { $0.contains("1 io_uring instance") && $0.contains("not seen") },
                "\(report.warnings)\n\(run.diagnostics)")
    }

    @Test("node with libuv's io_uring turned on (UV_USE_IO_URING=1): its fs calls are seen while rings are refused",
          arguments: TracerMode.allCases)
    func nodeFallsBack(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("data.txt", "hello\n")
        try workspace.file("ur.mjs", """
            import { readFile, writeFile } from 'node:fs/promises';
            await writeFile('copy.txt', await readFile('data.txt', 'utf8'));
            """)
        let command = ["/usr/bin/env", "UV_USE_IO_URING=1", "node", "ur.mjs"]
        let refused = try workspace.trace(command, mode: mode)
        // node stats its main module (ur.mjs) before it reads it.
        try refused.expectReport(Expected(reads: ["data.txt", "ur.mjs"], writes: ["copy.txt"], probes: ["ur.mjs"],
                                          inputs: ["data.txt", "ur.mjs"], outputs: ["copy.txt"]))
        #expect(workspace.exists("copy.txt"))
        // Let through, the same program goes through rings: the warning says the report is incomplete.
        let allowed = try workspace.trace(command, mode: mode, options: ["--allow-io-uring"])
        let report = try allowed.report()
        #expect(allowed.status == 0, "\(allowed.diagnostics)")
        #expect(report.warnings.contains { $0.contains("io_uring") }, "\(report.warnings)\n\(allowed.diagnostics)")
    }
}
