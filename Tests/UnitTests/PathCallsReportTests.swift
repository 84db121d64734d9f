@testable import TraceModel
@testable import Kernel
@testable import PtraceEngine
@testable import StraceReader
import Testing

/// Issue 5: what the calls beyond opens add to the report, and what their failures add.
@Suite("ReportBuilder: probes, missing, deletes, renames, links, directories")
struct PathCallsReportTests {
    let builder = ReportBuilder(filter: WorkspaceFilter(roots: [bytes("/ws")],
                                                        ignoredNames: WorkspaceFilter.defaultIgnoredNames.map(bytes)))

    func build(_ record: (inout ReportBuilder) -> Void) -> Report {
        var copy = builder
        record(&copy)
        return copy.build(command: [bytes("cmd")], outcome: .exited(0))
    }

    @Test("each effect's success joins its set; outside the workspace nothing is pending",
          arguments: [(PathEffect.probe, \Report.probes), (.delete, \Report.deletes), (.write, \Report.writes),
                      (.makeDirectory, \Report.directories)] as [(PathEffect, KeyPath<Report, [[UInt8]]> & Sendable)])
    func successes(effect: PathEffect, set: KeyPath<Report, [[UInt8]]> & Sendable) throws {
        let pending = try #require(builder.pending(path: bytes("/ws/a"), effect: effect))
        let report = build { $0.record(pending, failure: nil) }
        #expect(report[keyPath: set] == [bytes("a")])
        #expect(report.reads.isEmpty && report.missing.isEmpty)
        #expect(builder.pending(path: bytes("/elsewhere/a"), effect: effect) == nil)
        #expect(builder.pending(path: bytes("/ws/node_modules/a"), effect: effect) == nil)
    }

    @Test("ENOENT and ENOTDIR make a probe's or an open's path missing; other errors and other calls add nothing")
    func failures() throws {
        let probe = try #require(builder.pending(path: bytes("/ws/p"), effect: .probe))
        let open = try #require(builder.pending(path: bytes("/ws/o"), flags: OpenFlags(accessMode: .readOnly)))
        let pathOnly = try #require(builder.pending(path: bytes("/ws/q"), flags: OpenFlags(accessMode: .readOnly,
                                                                                              pathOnly: true)))
        let delete = try #require(builder.pending(path: bytes("/ws/d"), effect: .delete))
        let mkdir = try #require(builder.pending(path: bytes("/ws/m"), effect: .makeDirectory))
        let report = build {
            $0.record(probe, failure: .noSuchFile)
            $0.record(open, failure: .notDirectory)
            $0.record(pathOnly, failure: .noSuchFile)
            $0.record(delete, failure: .noSuchFile)
            $0.record(mkdir, failure: .noSuchFile)
            $0.record(probe, failure: .notPermitted)
        }
        #expect(report.missing == [bytes("o"), bytes("p"), bytes("q")])
        #expect(report.probes.isEmpty && report.deletes.isEmpty && report.directories.isEmpty && report.reads.isEmpty)
        let denied = build { $0.record(open, failure: Errno(13)) }
        #expect(denied.missing.isEmpty)
    }

    @Test("a rename deletes its source and writes its target; RENAME_EXCHANGE writes both; either may be outside")
    func renames() {
        let plain = build { $0.record(builder.pendingRename(from: bytes("/ws/old"), to: bytes("/ws/new"),
                                                            exchange: false), failure: nil) }
        #expect(plain.deletes == [bytes("old")] && plain.writes == [bytes("new")])
        let exchange = build { $0.record(builder.pendingRename(from: bytes("/ws/a"), to: bytes("/ws/b"),
                                                               exchange: true), failure: nil) }
        #expect(exchange.deletes.isEmpty && exchange.writes == [bytes("a"), bytes("b")])
        let inward = build { $0.record(builder.pendingRename(from: bytes("/tmp/x"), to: bytes("/ws/in"),
                                                             exchange: false), failure: nil) }
        #expect(inward.deletes.isEmpty && inward.writes == [bytes("in")])
        let failed = build { $0.record(builder.pendingRename(from: bytes("/ws/old"), to: bytes("/ws/new"),
                                                             exchange: false), failure: .noSuchFile) }
        #expect(failed.deletes.isEmpty && failed.writes.isEmpty && failed.missing.isEmpty)
    }

    @Test("an O_PATH open matters only for a miss; an O_DIRECTORY open is a listing")
    func pathOnlyOpen() throws {
        let pathOnly = OpenFlags(accessMode: .readOnly, pathOnly: true)
        let pending = try #require(builder.pending(path: bytes("/ws/d"), flags: pathOnly))
        #expect(pending.onSuccess.isEmpty && pending.missingOnFailure == bytes("d"))
        #expect(build { $0.record(pending, failure: nil) } == build { _ in })
        let directory = try #require(builder.pending(path: bytes("/ws/d"), flags: OpenFlags(accessMode: .readOnly,
                                                                                               directory: true)))
        let listed = build { $0.record(directory, failure: nil) }
        #expect(listed.listed == [bytes("d")] && listed.reads.isEmpty)
    }

    @Test("a plain read open that turned out to be a directory is a listing, not a read; a write open never is")
    func openedDirectory() throws {
        let read = try #require(builder.pending(path: bytes("/ws/d"), flags: OpenFlags(accessMode: .readOnly)))
        #expect(read.listIfDirectory)
        let report = build { $0.record(read, failure: nil, openedDirectory: true) }
        #expect(report.listed == [bytes("d")] && report.reads.isEmpty)
        let both = try #require(builder.pending(path: bytes("/ws/f"), flags: OpenFlags(accessMode: .readWrite)))
        #expect(!both.listIfDirectory)
    }
}
