import TraceModel
import Kernel
import PtraceEngine
import StraceReader
import Testing

@Suite("ReportBuilder (SPEC: Paths, Classification of opens)")
struct ReportBuilderTests {
    static let read = OpenFlags(accessMode: .readOnly)
    static let write = OpenFlags(accessMode: .writeOnly, create: true, truncate: true)
    static let both = OpenFlags(accessMode: .readWrite)

    func builder(roots: [String] = ["/ws"], ignored: [String] = WorkspaceFilter.defaultIgnoredNames) -> ReportBuilder {
        ReportBuilder(filter: WorkspaceFilter(roots: roots.map(bytes), ignoredNames: ignored.map(bytes)))
    }

    func report(_ accesses: [FileAccess], roots: [String] = ["/ws"]) -> Report {
        var builder = builder(roots: roots)
        for access in accesses { builder.record(access) }
        return builder.build(command: [bytes("cmd")], outcome: .exited(0))
    }

    @Test("paths are sorted by byte order (as LC_ALL=C sort)")
    func byteOrder() {
        let names: [[UInt8]] = [bytes("b"), [0xFF], bytes("a/b"), bytes("é"), bytes("a"), bytes("B"), bytes("a.txt"),
                                bytes("a b"), bytes("a-b"), bytes("a/a")]
        let result = report(names.map { FileAccess(path: bytes("/ws/") + $0, flags: Self.read) })
        let expected: [[UInt8]] = [bytes("B"), bytes("a"), bytes("a b"), bytes("a-b"), bytes("a.txt"), bytes("a/a"),
                                   bytes("a/b"), bytes("b"), bytes("é"), [0xFF]]
        #expect(result.reads == expected, "\(result.reads.map(show))")
        #expect(result.writes.isEmpty)
    }

    @Test("byteOrder is unsigned and puts a prefix first")
    func byteOrderFunction() {
        #expect(ReportBuilder.byteOrder(bytes("a"), bytes("ab")))
        #expect(!ReportBuilder.byteOrder(bytes("ab"), bytes("a")))
        #expect(ReportBuilder.byteOrder([0x7F], [0x80]))
        #expect(ReportBuilder.byteOrder(bytes("Z"), bytes("a")))
        #expect(!ReportBuilder.byteOrder(bytes("a"), bytes("a")))
    }

    @Test("each path appears once per list, however often it was opened")
    func unique() {
        let result = report([
            FileAccess(path: bytes("/ws/in.txt"), flags: Self.read),
            FileAccess(path: bytes("/ws/in.txt"), flags: Self.read),
            FileAccess(path: bytes("/ws/./in.txt"), flags: Self.read).normalized,
            FileAccess(path: bytes("/ws/out.txt"), flags: Self.write),
            FileAccess(path: bytes("/ws/out.txt"), flags: Self.both),
        ])
        #expect(result.reads == [bytes("in.txt"), bytes("out.txt")])
        #expect(result.writes == [bytes("out.txt")])
    }

    @Test("the classifier decides the lists")
    func classification() {
        let result = report([
            FileAccess(path: bytes("/ws/r"), flags: OpenFlags(raw: Bits.rdonly, bits: .generic)),
            FileAccess(path: bytes("/ws/w"), flags: OpenFlags(raw: Bits.wronly, bits: .generic)),
            FileAccess(path: bytes("/ws/rw"), flags: OpenFlags(raw: Bits.rdwr, bits: .generic)),
            FileAccess(path: bytes("/ws/rwt"), flags: OpenFlags(raw: Bits.rdwr | Bits.trunc, bits: .generic)),
            FileAccess(path: bytes("/ws/rc"), flags: OpenFlags(raw: Bits.rdonly | Bits.creat, bits: .generic)),
            FileAccess(path: bytes("/ws/c"), flags: .creat),
            FileAccess(path: bytes("/ws/p"), flags: OpenFlags(raw: Bits.path, bits: .generic)),
            FileAccess(path: bytes("/ws/d"), flags: OpenFlags(raw: Bits.directory.generic, bits: .generic)),
            FileAccess(path: bytes("/ws"), flags: OpenFlags(raw: Bits.rdwr | Bits.tmpfile.generic, bits: .generic)),
        ])
        #expect(result.reads == [bytes("r"), bytes("rc"), bytes("rw")])
        #expect(result.writes == [bytes("c"), bytes("rc"), bytes("rw"), bytes("rwt"), bytes("w")])
    }

    @Test("paths are relative to the workspace; outside, the workspace itself and ignored ones are dropped")
    func relative() {
        let result = report([
            FileAccess(path: bytes("/ws/output/output.txt"), flags: Self.write),
            FileAccess(path: bytes("/ws"), flags: Self.read),
            FileAccess(path: bytes("/etc/passwd"), flags: Self.read),
            FileAccess(path: bytes("/ws2/x"), flags: Self.read),
            FileAccess(path: bytes("/ws/node_modules/x/index.js"), flags: Self.read),
            FileAccess(path: bytes("/real/ws/input.txt"), flags: Self.read),
        ], roots: ["/ws", "/real/ws"])
        #expect(result.reads == [bytes("input.txt")])
        #expect(result.writes == [bytes("output/output.txt")])
        #expect(result.workspace == bytes("/ws"))
    }

    @Test("an open's pending call: nil outside the workspace, effects only for reads and writes")
    func pendingOpens() {
        let builder = builder()
        #expect(builder.pending(path: bytes("/ws/a"), flags: Self.read)?.onSuccess.isEmpty == false)
        #expect(builder.pending(path: bytes("/other/a"), flags: Self.read) == nil)
        let pathOnly = OpenFlags(raw: Bits.path, bits: .generic)
        #expect(builder.pending(path: bytes("/ws/a"), flags: pathOnly)?.onSuccess.isEmpty == true)
        #expect(builder.pending(path: bytes("/ws/.git/a"), flags: Self.write) == nil)
        #expect(builder.pending(path: bytes("/ws"), flags: Self.write) == nil)
    }

    @Test("build passes command, outcome and warnings through")
    func build() {
        var builder = builder()
        builder.record(FileAccess(path: bytes("/ws/a"), flags: Self.read))
        let report = builder.build(command: [bytes("node"), bytes("x.mjs")], outcome: .killed(signal: 9),
                                   warnings: ["w"])
        #expect(report == Report(command: [bytes("node"), bytes("x.mjs")], workspace: bytes("/ws"),
                                 outcome: .killed(signal: 9), reads: [bytes("a")], writes: [],
                                 inputs: [bytes("a")], warnings: ["w"]))
    }

    @Test("an empty trace builds an empty report")
    func empty() {
        let report = builder().build(command: [bytes("true")], outcome: .exited(0))
        #expect(report.reads.isEmpty && report.writes.isEmpty && report.warnings.isEmpty)
    }
}

extension FileAccess {
    /// The same access with its path normalized, as the decoder hands it over.
    var normalized: FileAccess { FileAccess(path: PathResolver.normalize(path), flags: flags) }
}
