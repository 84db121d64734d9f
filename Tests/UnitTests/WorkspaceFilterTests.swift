import TraceModel
import Kernel
import PtraceEngine
import StraceReader
import Testing

struct FilterRow: Sendable, CustomTestStringConvertible {
    let sentence: String
    let roots: [[UInt8]]
    let ignored: [[UInt8]]
    let path: [UInt8]
    /// The path relative to the workspace, or nil when it is not reported.
    let expected: [UInt8]?

    init(_ sentence: String, roots: [String] = ["/ws"], ignored: [String] = WorkspaceFilter.defaultIgnoredNames,
         _ path: String, _ expected: String?) {
        self.init(sentence, roots: roots.map(bytes), ignored: ignored.map(bytes), bytes(path), expected.map(bytes))
    }

    init(_ sentence: String, roots: [[UInt8]], ignored: [[UInt8]], _ path: [UInt8], _ expected: [UInt8]?) {
        self.sentence = sentence
        self.roots = roots
        self.ignored = ignored
        self.path = path
        self.expected = expected
    }

    var testDescription: String { "\(sentence): \(show(path)) -> \(expected.map(show) ?? "not reported")" }
}

/// SPEC, Paths: inside the workspace, the workspace itself, the canonical form, the ignore list.
let filterRows: [FilterRow] = [
    FilterRow("a path inside the workspace is reported relative to it", "/ws/input.txt", "input.txt"),
    FilterRow("deeper inside, with / separators", "/ws/output/deep/output.txt", "output/deep/output.txt"),
    FilterRow("a path outside is not reported", "/etc/passwd", nil),
    FilterRow("the workspace's parent is not reported", "/", nil),
    FilterRow("the workspace itself is not reported", "/ws", nil),
    FilterRow("a prefix that is not a component is outside (/ws2 vs /ws)", "/ws2/input.txt", nil),
    FilterRow("a sibling with a longer name is outside", "/wsa", nil),
    FilterRow("a sibling whose name starts with the workspace's is outside", "/ws.bak/x", nil),
    FilterRow("inside the canonical form (symlinks resolved)", roots: ["/link/ws", "/real/ws"], "/real/ws/a.txt",
              "a.txt"),
    FilterRow("inside the workspace as given, with a canonical form too", roots: ["/link/ws", "/real/ws"],
              "/link/ws/a.txt", "a.txt"),
    FilterRow("the canonical form itself is not reported", roots: ["/link/ws", "/real/ws"], "/real/ws", nil),
    FilterRow("outside both forms", roots: ["/link/ws", "/real/ws"], "/real/other/a.txt", nil),
    FilterRow("node_modules (default ignore) in a middle component", "/ws/node_modules/pkg/index.js", nil),
    FilterRow(".git (default ignore) deeper down", "/ws/sub/.git/config", nil),
    FilterRow(".nx (default ignore) as the first component", "/ws/.nx/cache/x", nil),
    FilterRow("an ignored name as the last component", "/ws/src/node_modules", nil),
    FilterRow("a name that only contains an ignored one is kept", "/ws/node_modules2/x", "node_modules2/x"),
    FilterRow("a name that ends with an ignored one is kept", "/ws/my.git/x", "my.git/x"),
    FilterRow("ignore names are case-sensitive", "/ws/Node_Modules/x", "Node_Modules/x"),
    FilterRow("an empty ignore list drops nothing", ignored: [], "/ws/node_modules/pkg/index.js",
              "node_modules/pkg/index.js"),
    FilterRow("an empty ignore list still drops the outside", ignored: [], "/elsewhere/x", nil),
    FilterRow("a custom ignore list drops its names", ignored: ["dist"], "/ws/dist/bundle.js", nil),
    FilterRow("a custom ignore list replaces the defaults", ignored: ["dist"], "/ws/.git/HEAD", ".git/HEAD"),
    FilterRow("workspace /: every path but / is inside", roots: ["/"], "/etc/passwd", "etc/passwd"),
    FilterRow("workspace /: / itself is not reported", roots: ["/"], "/", nil),
    FilterRow("workspace /: ignore names still apply", roots: ["/"], "/a/node_modules/b", nil),
    FilterRow("a workspace given with a trailing / (normalized)", roots: ["/ws/"], "/ws/a", "a"),
    FilterRow("a workspace given with . and .. (normalized)", roots: ["/x/../ws/."], "/ws/a", "a"),
    // SPEC says "a path with any component in the ignore list is dropped"; the filter reads it as any
    // component below the workspace, so a workspace that itself lies under node_modules still reports.
    FilterRow("only components below the workspace are checked against the ignore list",
              roots: ["/x/node_modules/pkg"], "/x/node_modules/pkg/index.js", "index.js"),
    FilterRow("bytes that are not UTF-8 in the workspace and the path", roots: [[0x2F, 0xFF]], ignored: [],
              [0x2F, 0xFF, 0x2F, 0x0A, 0xFE], [0x0A, 0xFE]),
    FilterRow("a workspace that is not UTF-8 does not match a near miss", roots: [[0x2F, 0xFF]], ignored: [],
              [0x2F, 0xFF, 0xFE, 0x2F, 0x61], nil),
    FilterRow("an ignored name that is not UTF-8", roots: [bytes("/ws")], ignored: [[0xFF]],
              [0x2F, 0x77, 0x73, 0x2F, 0xFF, 0x2F, 0x61], nil),
]

@Suite("WorkspaceFilter (SPEC: Paths)")
struct WorkspaceFilterTests {
    @Test("relativePath", arguments: filterRows)
    func relativePath(_ row: FilterRow) {
        let filter = WorkspaceFilter(roots: row.roots, ignoredNames: row.ignored)
        #expect(filter.relativePath(row.path).map(Array.init) == row.expected)
    }

    @Test("the defaults are node_modules, .git and .nx (SPEC: Command line)")
    func defaults() {
        #expect(Set(WorkspaceFilter.defaultIgnoredNames) == ["node_modules", ".git", ".nx"])
    }

    @Test("roots are normalized and deduplicated, the first kept first")
    func roots() {
        let filter = WorkspaceFilter(roots: [bytes("/ws/"), bytes("/ws"), bytes("/real//ws")], ignoredNames: [])
        #expect(filter.roots == [bytes("/ws"), bytes("/real/ws")])
    }
}
