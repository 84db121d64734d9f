import TraceModel
import Kernel
import PtraceEngine
import StraceReader
import Testing

struct NormalizeRow: Sendable, CustomTestStringConvertible {
    let sentence: String
    let input: [UInt8]
    let expected: [UInt8]

    init(_ sentence: String, _ input: String, _ expected: String) {
        self.init(sentence, bytes(input), bytes(expected))
    }

    init(_ sentence: String, _ input: [UInt8], _ expected: [UInt8]) {
        self.sentence = sentence
        self.input = input
        self.expected = expected
    }

    var testDescription: String { "\(sentence): \(show(input)) -> \(show(expected))" }
}

struct ResolveRow: Sendable, CustomTestStringConvertible {
    let sentence: String
    let path: [UInt8]
    let base: [UInt8]
    let expected: [UInt8]

    init(_ sentence: String, _ path: String, against base: String, _ expected: String) {
        self.init(sentence, bytes(path), against: bytes(base), bytes(expected))
    }

    init(_ sentence: String, _ path: [UInt8], against base: [UInt8], _ expected: [UInt8]) {
        self.sentence = sentence
        self.path = path
        self.base = base
        self.expected = expected
    }

    var testDescription: String { "\(sentence): \(show(path)) against \(show(base)) -> \(show(expected))" }
}

/// SPEC, Paths: "Paths are normalized lexically: no `.` or `..` components, no repeated or trailing `/`."
let normalizeRows: [NormalizeRow] = [
    NormalizeRow("the root is itself", "/", "/"),
    NormalizeRow("a normal path is itself", "/work/a.txt", "/work/a.txt"),
    NormalizeRow("no . components", "/a/./b/.", "/a/b"),
    NormalizeRow("only . components", "/./././", "/"),
    NormalizeRow("no .. components", "/a/b/../c", "/a/c"),
    NormalizeRow(".. removes one component each", "/a/b/c/../../d", "/a/d"),
    NormalizeRow(".. above the root stays at the root", "/..", "/"),
    NormalizeRow(".. above the root, then a name", "/../../etc/passwd", "/etc/passwd"),
    NormalizeRow("more .. than components", "/a/b/../../../..", "/"),
    NormalizeRow("no repeated /", "//a///b////c", "/a/b/c"),
    NormalizeRow("no trailing /", "/a/b/", "/a/b"),
    NormalizeRow("no trailing / after .", "/a/b/./", "/a/b"),
    NormalizeRow("... is a name, not ..", "/a/.../b", "/a/.../b"),
    NormalizeRow("..x and .x are names", "/a/..x/.y", "/a/..x/.y"),
    NormalizeRow("spaces are kept", "/a b/ c /", "/a b/ c "),
    NormalizeRow("a newline is a byte like any other", "/a\nb/../c\n", "/c\n"),
    NormalizeRow("a relative input is taken as relative to /", "a/./b/..", "/a"),
    NormalizeRow("an empty input is the root", "", "/"),
    NormalizeRow("bytes that are not UTF-8 are kept", [0x2F, 0xFF, 0xFE, 0x2F, 0x2E, 0x2F, 0x80],
                 [0x2F, 0xFF, 0xFE, 0x2F, 0x80]),
    NormalizeRow(".. after a component that is not UTF-8", [0x2F, 0x61, 0x2F, 0xC3, 0x28, 0x2F, 0x2E, 0x2E],
                 [0x2F, 0x61]),
]

/// SPEC, Paths: "A relative path is resolved against the calling process's current directory ..., and
/// against the directory that dirfd refers to for the *at calls."
let resolveRows: [ResolveRow] = [
    ResolveRow("relative against a base", "input.txt", against: "/work", "/work/input.txt"),
    ResolveRow("relative with subdirectories", "output/output.txt", against: "/work", "/work/output/output.txt"),
    ResolveRow("relative against the root", "etc/passwd", against: "/", "/etc/passwd"),
    ResolveRow("./ at the start", "./input.txt", against: "/work", "/work/input.txt"),
    ResolveRow(".. leaves the base", "../in.txt", against: "/work/sub", "/work/in.txt"),
    ResolveRow(".. above the root stays at the root", "../../../../x", against: "/a", "/x"),
    ResolveRow(".. alone is the base's parent", "..", against: "/a/b", "/a"),
    ResolveRow(". alone is the base", ".", against: "/a/b", "/a/b"),
    ResolveRow("a base with a trailing /", "x", against: "/a/", "/a/x"),
    ResolveRow("a base that is not normalized", "x", against: "/a/./b/../c", "/a/c/x"),
    ResolveRow("repeated and trailing / in the path", "x//y/", against: "/a", "/a/x/y"),
    ResolveRow("an absolute path ignores the base", "/etc/passwd", against: "/work", "/etc/passwd"),
    ResolveRow("an absolute path is normalized, base ignored", "//etc/./x/../passwd", against: "/work",
               "/etc/passwd"),
    ResolveRow("bytes that are not UTF-8 are kept", [0x66, 0xFF, 0x0A, 0xFE], against: [0x2F, 0xE9, 0x74, 0xE9],
               [0x2F, 0xE9, 0x74, 0xE9, 0x2F, 0x66, 0xFF, 0x0A, 0xFE]),
]

@Suite("PathResolver (SPEC: Paths)")
struct PathResolverTests {
    @Test("normalize", arguments: normalizeRows)
    func normalize(_ row: NormalizeRow) {
        #expect(PathResolver.normalize(row.input) == row.expected)
    }

    @Test("resolve", arguments: resolveRows)
    func resolve(_ row: ResolveRow) {
        #expect(PathResolver.resolve(row.path, against: row.base) == row.expected)
    }

    @Test("normalize is idempotent", arguments: normalizeRows)
    func idempotent(_ row: NormalizeRow) {
        #expect(PathResolver.normalize(PathResolver.normalize(row.input)) == PathResolver.normalize(row.input))
    }

    @Test("isAbsolute")
    func isAbsolute() {
        #expect(PathResolver.isAbsolute(bytes("/a")))
        #expect(PathResolver.isAbsolute(bytes("/")))
        #expect(!PathResolver.isAbsolute(bytes("a/b")))
        #expect(!PathResolver.isAbsolute(bytes("")))
        #expect(!PathResolver.isAbsolute(bytes("./a")))
    }

    @Test("a PATH_MAX-long path of random components normalizes like a reference implementation")
    func randomAgainstReference() {
        let seed: UInt64 = 0x5EED_0001
        print("PathResolverTests.randomAgainstReference seed: \(seed)")
        var random = SplitMix64(seed: seed)
        let pieces: [[UInt8]] = [[], bytes("."), bytes(".."), bytes("a"), bytes("bc"), [0xFF], bytes("..."), [0x0A]]
        for _ in 0..<500 {
            let count = Int.random(in: 0...40, using: &random)
            var path: [UInt8] = Bool.random(using: &random) ? [0x2F] : []
            for index in 0..<count {
                if index > 0 { path += Array(repeating: 0x2F, count: Int.random(in: 1...2, using: &random)) }
                path += pieces.randomElement(using: &random)!
            }
            #expect(PathResolver.normalize(path) == referenceNormalize(path), "\(show(path))")
        }
    }

    /// A second, stack-based normalizer to check against.
    private func referenceNormalize(_ path: [UInt8]) -> [UInt8] {
        var stack: [ArraySlice<UInt8>] = []
        for component in path.split(separator: 0x2F) {
            if component.elementsEqual(bytes(".")) { continue }
            if component.elementsEqual(bytes("..")) {
                _ = stack.popLast()
                continue
            }
            stack.append(component)
        }
        return stack.isEmpty ? [0x2F] : stack.flatMap { [0x2F] + Array($0) }
    }
}
