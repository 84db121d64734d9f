/// The seccomp filter lets newfstatat and statx with AT_EMPTY_PATH through without a stop (fstat in
/// disguise); stepping, the decoder ignores them: neither adds a probe, and real stats still do.
import Foundation
import Testing

@Suite("fstat in disguise", .serialized, .timeLimit(.minutes(2)))
struct FstatTests {
    @Test("fstat, fstatat(fd, \"\", AT_EMPTY_PATH) and statx(fd, \"\", AT_EMPTY_PATH) are no probes; stat and statx of a path are",
          arguments: TracerMode.allCases)
    func fstatForms(mode: TracerMode) throws {
        let workspace = try Workspace()
        for name in ["opened.txt", "probed.txt", "probed-x.txt"] { try workspace.file(name) }
        let run = try workspace.trace([try Fixture.path("fstat_forms")], mode: mode)
        let report = try run.expectReport(reads: ["opened.txt"])
        #expect(report.probes == ["probed-x.txt", "probed.txt"], "\(run.diagnostics)")
        #expect(report.missing == [], "\(run.diagnostics)")
    }
}
