import Testing
@testable import TaskCheck

/// One row per rule of the matcher (see `Glob`): picomatch/minimatch semantics with `dot: true`.
struct GlobRow: Sendable, CustomTestStringConvertible {
    let pattern: String
    let path: String
    let matches: Bool
    init(_ pattern: String, _ path: String, _ matches: Bool) {
        self.pattern = pattern
        self.path = path
        self.matches = matches
    }
    var testDescription: String { "\(pattern) \(matches ? "~" : "!~") \(path)" }
}

@Suite("Glob matcher")
struct GlobTests {
    static let globstarAtStart: [GlobRow] = [
        GlobRow("**/x.js", "x.js", true),
        GlobRow("**/x.js", "a/b/x.js", true),
        GlobRow("**/x.js", "a/b/y.js", false),
        GlobRow("**/x.js", "a/bx.js", false),
        GlobRow("**", "a", true),
        GlobRow("**", "a/b/c", true),
        GlobRow("**/*.js", "deep/er/a.js", true),
        GlobRow("**/b/*.js", "a/b/c.js", true),
        GlobRow("**/b/*.js", "a/b/c/d.js", false),
    ]

    static let globstarInMiddle: [GlobRow] = [
        GlobRow("a/**/b", "a/b", true),
        GlobRow("a/**/b", "a/x/y/b", true),
        GlobRow("a/**/b", "a/x/y/c", false),
        GlobRow("a/**/b", "x/a/b", false),
        GlobRow("a/**/b/**/c", "a/1/b/2/3/c", true),
        GlobRow("a/**/b/**/c", "a/b/c", true),
        GlobRow("a/**/b/**/c", "a/c/b", false),
        GlobRow("a/**/b.js", "a/b/b/b.js", true),
    ]

    static let globstarAtEnd: [GlobRow] = [
        GlobRow("dist/**", "dist/a.js", true),
        GlobRow("dist/**", "dist/a/b/c", true),
        GlobRow("dist/**", "dist", true),
        GlobRow("dist/**", "distx/a", false),
        GlobRow("dist/**", "other/dist/a", false),
        GlobRow("dist/**/*", "dist", false),
        GlobRow("dist/**/*", "dist/a", true),
        GlobRow("apps/app/**/*", "apps/app/src/main.js", true),
        GlobRow("a**", "abc", true),
        GlobRow("a**", "a/b", false),
    ]

    static let star: [GlobRow] = [
        GlobRow("*.js", "a.js", true),
        GlobRow("*.js", "src/a.js", false),
        GlobRow("src/*", "src/a", true),
        GlobRow("src/*", "src/a/b", false),
        GlobRow("a*b", "ab", true),
        GlobRow("a*b*c", "axxbyyc", true),
        GlobRow("a*b*c", "axxbyy", false),
        GlobRow("a*b", "a/b", false),
        GlobRow("*", "a", true),
        GlobRow("*c", "abcbc", true),
    ]

    static let question: [GlobRow] = [
        GlobRow("?.js", "a.js", true),
        GlobRow("?.js", "ab.js", false),
        GlobRow("?.js", ".js", false),
        GlobRow("a?c", "a/c", false),
        GlobRow("?.txt", "é.txt", true),
        GlobRow("??.txt", "é.txt", false),
    ]

    static let classes: [GlobRow] = [
        GlobRow("[abc].js", "b.js", true),
        GlobRow("[abc].js", "d.js", false),
        GlobRow("[a-c]x", "bx", true),
        GlobRow("[a-c]x", "dx", false),
        GlobRow("[!a-c]x", "dx", true),
        GlobRow("[!a-c]x", "ax", false),
        GlobRow("[^a]", "b", true),
        GlobRow("[[:digit:]]*", "1abc", true),
        GlobRow("[[:digit:]]*", "abc", false),
        GlobRow("[[:upper:]]", "a", false),
        GlobRow("[]]", "]", true),
        GlobRow("[a-]", "-", true),
        GlobRow("x[", "x[", true),
        GlobRow("a[/]b", "a/b", false),
        GlobRow("[é]", "é", true),
        GlobRow("file.[jt]s", "file.ts", true),
    ]

    static let braces: [GlobRow] = [
        GlobRow("*.{js,ts}", "a.ts", true),
        GlobRow("*.{js,ts}", "a.js", true),
        GlobRow("*.{js,ts}", "a.css", false),
        GlobRow("{a,b}/**", "b/c", true),
        GlobRow("{a,b}/**", "c/b", false),
        GlobRow("a/{b,c{d,e}}/f", "a/ce/f", true),
        GlobRow("a/{b,c{d,e}}/f", "a/b/f", true),
        GlobRow("a/{b,c{d,e}}/f", "a/c/f", false),
        GlobRow("{src,test}/**/*.{js,mjs}", "test/x/y.mjs", true),
        GlobRow("file{1..3}.txt", "file2.txt", true),
        GlobRow("file{1..3}.txt", "file4.txt", false),
        GlobRow("{01..10}", "05", true),
        GlobRow("{01..10}", "5", false),
        GlobRow("{a..c}", "b", true),
        GlobRow("{1..9..4}", "5", true),
        GlobRow("{1..9..4}", "3", false),
        GlobRow("{a}", "{a}", true),
        GlobRow("{a}", "a", false),
        GlobRow("\\{a,b}", "{a,b}", true),
        GlobRow("[{]a", "{a", true),
        GlobRow("{,x}y", "y", true),
    ]

    static let escapesAndNormalization: [GlobRow] = [
        GlobRow("\\*", "*", true),
        GlobRow("\\*", "a", false),
        GlobRow("a\\?", "a?", true),
        GlobRow("./src/*.js", "src/a.js", true),
        GlobRow("src//a.js", "src/a.js", true),
        GlobRow("dist/", "dist/a/b", true),
        GlobRow("src/./a.js", "src/a.js", true),
    ]

    /// Nx's inputs match dotfiles, so the matcher does too (`dot: true`).
    static let dotfiles: [GlobRow] = [
        GlobRow("src/**", "src/.env", true),
        GlobRow("**", ".git/config", true),
        GlobRow("*", ".eslintrc", true),
        GlobRow("**/.*", "a/.b", true),
        GlobRow("**/*.js", ".hidden/a.js", true),
        GlobRow("{projectRoot}/**/*", "{projectRoot}/.babelrc", true),
    ]

    func check(_ row: GlobRow) throws {
        let glob = try Glob(row.pattern)
        #expect(glob.matches(Array(row.path.utf8)) == row.matches, "\(row.testDescription)")
    }

    @Test(arguments: globstarAtStart) func globstarAtTheStart(_ row: GlobRow) throws { try check(row) }
    @Test(arguments: globstarInMiddle) func globstarInTheMiddle(_ row: GlobRow) throws { try check(row) }
    @Test(arguments: globstarAtEnd) func globstarAtTheEnd(_ row: GlobRow) throws { try check(row) }
    @Test(arguments: star) func starStaysInOneSegment(_ row: GlobRow) throws { try check(row) }
    @Test(arguments: question) func questionMarkIsOneCharacter(_ row: GlobRow) throws { try check(row) }
    @Test(arguments: classes) func characterClasses(_ row: GlobRow) throws { try check(row) }
    @Test(arguments: braces) func braceExpansion(_ row: GlobRow) throws { try check(row) }
    @Test(arguments: escapesAndNormalization) func escapesAndSlashes(_ row: GlobRow) throws { try check(row) }
    @Test(arguments: dotfiles) func dotfilesMatch(_ row: GlobRow) throws { try check(row) }

    @Test func bytesThatAreNotUTF8AreOneCharacterEach() throws {
        let path: [UInt8] = [UInt8(ascii: "f"), 0xFF, UInt8(ascii: "."), UInt8(ascii: "c")]
        #expect(try Glob("f?.c").matches(path))
        #expect(try Glob("f*").matches(path))
        #expect(try !Glob("f??.c").matches(path))
        #expect(try Glob("**/*.c").matches([0xC3, 0x28, UInt8(ascii: "/")] + path))
    }

    @Test func literalPatternsAreRecognised() throws {
        #expect(try Glob("apps/app/project.json").isLiteral)
        #expect(try !Glob("apps/*/project.json").isLiteral)
        #expect(try !Glob("{a,b}").isLiteral)
    }

    @Test func runawayBracesAreRefused() {
        let pattern = String(repeating: "{a,b,c,d}", count: 8)
        #expect(throws: GlobError.self) { try Glob(pattern) }
    }
}

@Suite("Glob lists and negation")
struct GlobListTests {
    func matches(_ patterns: [String], _ path: String, rule: GlobList.NegationRule = .lastMatchWins) throws -> Bool {
        try GlobList(patterns, rule: rule).matches(Array(path.utf8))
    }

    @Test func negationExcludesWhatCameBefore() throws {
        let patterns = ["src/**", "!src/**/*.spec.js"]
        #expect(try matches(patterns, "src/a.js"))
        #expect(try !matches(patterns, "src/a.spec.js"))
        #expect(try !matches(patterns, "lib/a.js"))
    }

    @Test func aLaterPatternMatchesAgainInOrder() throws {
        let patterns = ["src/**", "!src/**/*.spec.js", "src/keep.spec.js"]
        #expect(try matches(patterns, "src/keep.spec.js"))
        #expect(try !matches(patterns, "src/other.spec.js"))
        #expect(try matches(["!src/a.js", "src/**"], "src/a.js"))
        #expect(try !matches(["src/**", "!src/a.js"], "src/a.js"))
    }

    @Test func aListOfNegationsAloneMatchesNothing() throws {
        #expect(try !matches(["!src/**"], "src/a"))
        #expect(try !matches(["!src/**"], "x"))
        #expect(try !matches([], "x"))
    }

    @Test func doubleNegationAndEscapedBang() throws {
        #expect(try matches(["!!src/**"], "src/a"))
        #expect(try matches(["\\!a"], "!a"))
        #expect(try !matches(["\\!a"], "a"))
    }

    /// Nx filters files as `positive.some(match) && negative.every(noMatch)`: order does not matter.
    @Test func nxNegationExcludesWhereverItStands() throws {
        let patterns = ["src/**", "!src/**/*.spec.js", "src/keep.spec.js"]
        #expect(try !matches(patterns, "src/keep.spec.js", rule: .negationExcludes))
        #expect(try matches(patterns, "src/a.js", rule: .negationExcludes))
        #expect(try !matches(["!a/**", "a/**"], "a/x", rule: .negationExcludes))
        #expect(try !matches(["!a/**"], "b", rule: .negationExcludes))
    }

    @Test func outputsCoverWhatIsBelowThem() throws {
        let outputs = try GlobList(["dist/app", "dist/*/types", "!dist/app/cache"])
        #expect(outputs.covers(Array("dist/app".utf8)))
        #expect(outputs.covers(Array("dist/app/x/y.js".utf8)))
        #expect(!outputs.covers(Array("dist/apple".utf8)))
        #expect(outputs.covers(Array("dist/lib/types/a.d.ts".utf8)))
        #expect(!outputs.covers(Array("dist/app/cache/a".utf8)))
        #expect(!outputs.matches(Array("dist/app/x/y.js".utf8)))
    }
}
