@testable import TraceModel
@testable import Kernel
@testable import PtraceEngine
@testable import StraceReader
import Testing

/// The text report's sections, `--summary`'s folding, and the process tree in both forms (issue 5).
@Suite("Report views: sections, --summary, processes")
struct ReportViewTests {
    static func paths(_ names: [String]) -> [[UInt8]] { names.map(bytes).sorted(by: ReportBuilder.byteOrder) }

    static let richReport = Report(
        command: [bytes("make")], workspace: bytes("/ws"), outcome: .exited(0),
        reads: paths(["a.c", "b.c"]), writes: paths(["out/a.o"]),
        probes: paths(["a.c", "b.c", "c.h"]), missing: paths(["nope.h"]), deletes: [],
        directories: paths(["out"]), executed: [], listed: paths(["src", "out", "lib"]),
        inputs: paths(["a.c", "b.c"]), outputs: paths(["out/a.o"]))

    @Test("reads and writes first in SPEC's form, then the other sets largest first with counts, empty ones left out")
    func sectionsOrderAndCounts() {
        let text = String(decoding: TextRenderer.render(Self.richReport), as: UTF8.self)
        #expect(text == """
            FILES READ:
              - a.c
              - b.c

            FILES WRITTEN:
              - out/a.o

            PATHS PROBED (3):
              - a.c
              - b.c
              - c.h

            DIRECTORIES LISTED (3):
              - lib
              - out
              - src

            INPUTS (2):
              - a.c
              - b.c

            PATHS MISSING (1):
              - nope.h

            DIRECTORIES MADE (1):
              - out

            OUTPUTS (1):
              - out/a.o

            """)
    }

    @Test("equal sizes keep the JSON's key order; the order follows the counts")
    func ties() {
        let headings = TextRenderer.sections(of: Self.richReport).dropFirst(2).map(\.heading)
        #expect(headings == ["PATHS PROBED", "DIRECTORIES LISTED", "INPUTS", "PATHS MISSING", "DIRECTORIES MADE",
                             "OUTPUTS"])
        var report = Self.richReport
        report.outputs = Self.paths((0..<5).map { "out/\($0).o" })
        let reordered = TextRenderer.sections(of: report).dropFirst(2).map(\.heading)
        #expect(reordered.first == "OUTPUTS")
    }

    @Test("a report with only reads and writes is exactly the proof of concept's")
    func onlyTheTwo() {
        let report = Report(command: [bytes("x")], workspace: bytes("/ws"), outcome: .exited(0),
                            reads: Self.paths(["in"]), writes: [])
        #expect(String(decoding: TextRenderer.render(report), as: UTF8.self)
            == "FILES READ:\n  - in\n\nFILES WRITTEN:\n  (none)\n")
    }

    @Test("warnings come last, after the other sets")
    func warningsLast() {
        var report = Self.richReport
        report.warnings = ["1 call could not be decoded"]
        let text = String(decoding: TextRenderer.render(report), as: UTF8.self)
        #expect(text.hasSuffix("OUTPUTS (1):\n  - out/a.o\n\nWARNINGS:\n  - 1 call could not be decoded\n"))
    }

    @Test("--summary puts counts in every heading, the first two included, with thousands separators")
    func summaryHeadings() {
        var report = Self.richReport
        report.reads = Self.paths((0..<1204).map { "src/f\($0).c" })
        let text = String(decoding: TextRenderer.render(report, summary: true), as: UTF8.self)
        #expect(text.hasPrefix("FILES READ (1,204):\n  - src/  (1,204 files)\n\nFILES WRITTEN (1):\n  - out/a.o\n"))
        #expect(text.contains("\nPATHS PROBED (3):\n"))
        let empty = Report(command: [bytes("x")], workspace: bytes("/ws"), outcome: .exited(0), reads: [], writes: [])
        #expect(String(decoding: TextRenderer.render(empty, summary: true), as: UTF8.self)
            == "FILES READ (0):\n  (none)\n\nFILES WRITTEN (0):\n  (none)\n")
    }

    @Test("thousands separators", arguments: [(0, "0"), (999, "999"), (1000, "1,000"), (1204, "1,204"),
                                              (1_234_567, "1,234,567")])
    func grouping(_ value: Int, _ text: String) {
        #expect(TextRenderer.grouped(value) == text)
    }

    // MARK: - Folding

    struct FoldRow: Sendable, CustomTestStringConvertible {
        let sentence: String
        let paths: [String]
        let lines: [String]
        var testDescription: String { sentence }
    }

    static func files(_ directory: String, _ count: Int, prefix: String = "f") -> [String] {
        (0..<count).map { "\(directory)/\(prefix)\($0)" }
    }

    /// The rule, one row per sentence of PathFolding's comment (threshold 10).
    static let foldRows: [FoldRow] = [
        FoldRow(sentence: "ten paths or fewer in a directory are listed", paths: files("src", 10),
                lines: files("src", 10).sorted()),
        FoldRow(sentence: "more than ten in one directory fold into one line", paths: files("src", 11),
                lines: ["src/  (11)"]),
        FoldRow(sentence: "the fold is at the deepest directory holding more than ten",
                paths: files("src/components/a", 400) + files("src/components/b", 400)
                    + files("src/components/c", 404) + ["src/index.js"],
                lines: ["src/components/a/  (400)", "src/components/b/  (400)", "src/components/c/  (404)",
                        "src/index.js"]),
        FoldRow(sentence: "many small directories fold into their parent",
                paths: (0..<30).flatMap { files("src/components/c\($0)", 2) },
                lines: ["src/components/  (60)"]),
        FoldRow(sentence: "a large child and a large remainder: each path counted on one line only",
                paths: files("lib/big", 20) + (0..<6).flatMap { files("lib/small\($0)", 2) },
                lines: ["lib/  (12)", "lib/big/  (20)"]),
        FoldRow(sentence: "a small remainder beside a large child is listed",
                paths: files("lib/big", 20) + ["lib/README", "lib/x/y"],
                lines: ["lib/README", "lib/big/  (20)", "lib/x/y"]),
        FoldRow(sentence: "at the root, a large remainder shows each small directory as one line",
                paths: files("a", 3) + files("b", 4) + ["c/only"] + ["top1", "top2", "top3"],
                lines: ["a/  (3)", "b/  (4)", "c/only", "top1", "top2", "top3"]),
        FoldRow(sentence: "the root's own paths are never folded", paths: (0..<12).map { "r\($0)" },
                lines: (0..<12).map { "r\($0)" }.sorted()),
        FoldRow(sentence: "a path that is also a directory of others", paths: ["out"] + files("out", 11),
                lines: ["out", "out/  (11)"]),
    ]

    @Test("folding by directory", arguments: foldRows)
    func folding(_ row: FoldRow) {
        let lines = PathFolding.fold(Self.paths(row.paths)).map { line -> String in
            switch line {
            case .path(let path): return String(decoding: path, as: UTF8.self)
            case .directory(let directory, let count):
                return String(decoding: directory, as: UTF8.self) + "/  (\(count))"
            }
        }
        #expect(lines == row.lines)
    }

    @Test("seeded random trees: counts add up, folds below the top hold more than the threshold, none lists more")
    func foldingInvariants() {
        let seed: UInt64 = 0x5EED_F01D
        print("ReportViewTests.foldingInvariants seed: \(seed) (SplitMix64)")
        var random = SplitMix64(seed: seed)
        for round in 0..<200 {
            var set = Set<[UInt8]>()
            let count = Int.random(in: 0...600, using: &random)
            for _ in 0..<count {
                let depth = Int.random(in: 1...5, using: &random)
                let path = (0..<depth).map { _ in "d\(Int.random(in: 0..<4, using: &random))" }.joined(separator: "/")
                set.insert(bytes(path + "/f\(Int.random(in: 0..<30, using: &random))"))
            }
            let paths = set.sorted(by: ReportBuilder.byteOrder)
            let lines = PathFolding.fold(paths)
            var covered = 0
            var listedPerDirectory: [ArraySlice<UInt8>: Int] = [:]
            for line in lines {
                switch line {
                case .path(let path):
                    covered += 1
                    let directory = path.lastIndex(of: UInt8(ascii: "/")).map { path[..<$0] } ?? []
                    if !directory.isEmpty { listedPerDirectory[directory, default: 0] += 1 }
                case .directory(let directory, let count):
                    covered += count
                    // Smaller folds only for a top-level directory, when the root's remainder is large.
                    #expect(count > PathFolding.threshold || !directory.contains(UInt8(ascii: "/")),
                            "round \(round): \(show(directory)) folds only \(count)")
                    #expect(paths.contains { $0.starts(with: directory + [UInt8(ascii: "/")]) })
                }
            }
            #expect(covered == paths.count, "round \(round): the lines cover \(covered) of \(paths.count) paths")
            for (directory, listed) in listedPerDirectory {
                #expect(listed <= PathFolding.threshold, "round \(round): \(show(Array(directory))) lists \(listed)")
            }
            let keys = lines.map(\.sortKey)
            #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
        }
    }

    @Test("--summary folds the section lines with the section's noun")
    func summaryLines() {
        var report = Self.richReport
        report.listed = Self.paths(Self.files("node/pkgs", 12))
        let text = String(decoding: TextRenderer.render(report, summary: true), as: UTF8.self)
        #expect(text.contains("DIRECTORIES LISTED (12):\n  - node/pkgs/  (12 directories)\n"))
        #expect(!text.contains("node/pkgs/f0"))
    }

    // MARK: - Processes

    static let tree: [ProcessRecord] = [
        ProcessRecord(pid: 100, parent: 99, argv: [bytes("sh"), bytes("-c"), bytes("a; b")], cwd: bytes("/ws"),
                      end: .exited(0)),
        ProcessRecord(pid: 101, parent: 100, argv: [bytes("cat"), bytes("in 1"), []], cwd: bytes("/ws/sub"),
                      end: .exited(3)),
        ProcessRecord(pid: 102, parent: 100, argv: [bytes("tool"), [0x66, 0xFF]], cwd: [0x2F, 0xE9],
                      end: .killed(signal: 15)),
        ProcessRecord(pid: 103, parent: 101, argv: [bytes("grandchild")], cwd: bytes("/ws"), end: nil),
    ]

    static func builtReport() -> Report {
        var builder = ReportBuilder(filter: WorkspaceFilter(roots: [bytes("/ws")], ignoredNames: []))
        let read = OpenFlags(accessMode: .readOnly)
        let write = OpenFlags(accessMode: .writeOnly, create: true, truncate: true)
        builder.record(FileAccess(path: bytes("/ws/in1"), flags: read), process: 1)
        builder.record(FileAccess(path: bytes("/ws/out1"), flags: write), process: 1)
        builder.record(FileAccess(path: bytes("/ws/both"), flags: OpenFlags(accessMode: .readWrite)), process: 2)
        builder.record(FileAccess(path: bytes("/elsewhere"), flags: read), process: 2)
        builder.record(FileAccess(path: bytes("/ws/unattributed"), flags: read))
        return builder.build(command: [bytes("sh")], outcome: .exited(0), processes: tree)
    }

    @Test("the builder attributes each read and write to the process number it was recorded with")
    func attribution() throws {
        let report = Self.builtReport()
        let processes = try #require(report.processes)
        #expect(processes.map(\.pid) == [100, 101, 102, 103])
        #expect(processes[0].reads.isEmpty && processes[0].writes.isEmpty)
        #expect(processes[1].reads == [bytes("in1")] && processes[1].writes == [bytes("out1")])
        #expect(processes[2].reads == [bytes("both")] && processes[2].writes == [bytes("both")])
        #expect(report.reads == Self.paths(["both", "in1", "unattributed"]))
        // Without a process tree the report has none, and the JSON no key.
        let plain = ReportBuilder(filter: WorkspaceFilter(roots: [bytes("/ws")], ignoredNames: []))
            .build(command: [bytes("x")], outcome: .exited(0))
        #expect(plain.processes == nil)
        #expect(try ConsumerJSON.object(JSONRenderer.render(plain))["processes"] == nil)
    }

    @Test("the process tree in text: children under their parent, argv quoted where needed, ends, attribution")
    func processText() {
        let text = String(decoding: TextRenderer.render(Self.builtReport()), as: UTF8.self)
        #expect(text.hasSuffix("""
            PROCESSES (4):
              100 (parent 99) sh -c "a; b"  [exit 0]
                  cwd: /ws
                101 cat "in 1" ""  [exit 3]
                    cwd: /ws/sub
                    reads (1):
                      - in1
                    writes (1):
                      - out1
                  103 grandchild  [end not seen]
                      cwd: /ws
                102 tool "f\\xff"  [killed by SIGTERM (15)]
                    cwd: "/\\xe9"
                    reads (1):
                      - both
                    writes (1):
                      - both

            """), "\(text)")
    }

    @Test("the process tree in JSON: every field, lossless strings, exitCode or signal with the other null")
    func processJSON() throws {
        let object = try ConsumerJSON.object(JSONRenderer.render(Self.builtReport()))
        guard case .array(let processes) = try #require(object["processes"]) else {
            Issue.record("no processes array")
            return
        }
        #expect(processes.count == 4)
        let expected: [ConsumerJSON.Value] = [
            .object(["pid": .number("100"), "parent": .number("99"),
                     "argv": .array([.string(bytes("sh")), .string(bytes("-c")), .string(bytes("a; b"))]),
                     "cwd": .string(bytes("/ws")), "exitCode": .number("0"), "signal": .null,
                     "reads": .array([]), "writes": .array([]), "task": .null, "taskHash": .null]),
            .object(["pid": .number("101"), "parent": .number("100"),
                     "argv": .array([.string(bytes("cat")), .string(bytes("in 1")), .string([])]),
                     "cwd": .string(bytes("/ws/sub")), "exitCode": .number("3"), "signal": .null,
                     "reads": .array([.string(bytes("in1"))]), "writes": .array([.string(bytes("out1"))]),
                     "task": .null, "taskHash": .null]),
            .object(["pid": .number("102"), "parent": .number("100"),
                     "argv": .array([.string(bytes("tool")), .string([0x66, 0xFF])]),
                     "cwd": .string([0x2F, 0xE9]), "exitCode": .null, "signal": .number("15"),
                     "reads": .array([.string(bytes("both"))]), "writes": .array([.string(bytes("both"))]),
                     "task": .null, "taskHash": .null]),
            .object(["pid": .number("103"), "parent": .number("101"), "argv": .array([.string(bytes("grandchild"))]),
                     "cwd": .string(bytes("/ws")), "exitCode": .null, "signal": .null,
                     "reads": .array([]), "writes": .array([]), "task": .null, "taskHash": .null]),
        ]
        #expect(processes == expected)
        let json = String(decoding: JSONRenderer.render(Self.builtReport()), as: UTF8.self)
        #expect(json.contains(#""\"f\\xff\"""#) && json.contains(#""cwd": "\"/\\xe9\"""#), "\(json)")
    }

    @Test("--summary folds each process's paths too")
    func processSummary() {
        let tree = [ProcessRecord(pid: 1, parent: 0, argv: [bytes("gen")], cwd: bytes("/ws"), end: .exited(0))]
        var builder = ReportBuilder(filter: WorkspaceFilter(roots: [bytes("/ws")], ignoredNames: []))
        for index in 0..<50 {
            builder.record(FileAccess(path: bytes("/ws/gen/f\(index)"), flags: .creat), process: 0)
        }
        let report = builder.build(command: [bytes("gen")], outcome: .exited(0), processes: tree)
        let text = String(decoding: TextRenderer.render(report, summary: true), as: UTF8.self)
        #expect(text.contains("\n      writes (50):\n        - gen/  (50 files)\n"), "\(text)")
    }
}
