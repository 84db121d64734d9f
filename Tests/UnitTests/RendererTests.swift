import Foundation
import TraceModel
import Kernel
import PtraceEngine
import StraceReader
import Testing

struct DisplayRow: Sendable, CustomTestStringConvertible {
    let sentence: String
    let path: [UInt8]
    let text: [UInt8]
    let json: [UInt8]

    init(_ sentence: String, _ path: [UInt8], text: String, json: String) {
        self.sentence = sentence
        self.path = path
        self.text = bytes(text)
        self.json = bytes(json)
    }

    var testDescription: String { "\(sentence): \(show(path))" }
}

/// SPEC, Paths: "Valid UTF-8 names appear verbatim; others appear in a lossless form the README documents.
/// The JSON is always valid." The forms are the renderers' documented ones: a double-quoted C string in the
/// text report, `\udcXX` per byte that is not UTF-8 in the JSON.
let displayRows: [DisplayRow] = [
    DisplayRow("plain ASCII is verbatim", bytes("output/output.txt"), text: "output/output.txt",
               json: #""output/output.txt""#),
    DisplayRow("spaces are verbatim", bytes("my file.txt"), text: "my file.txt", json: #""my file.txt""#),
    DisplayRow("valid UTF-8 is verbatim", bytes("données/é€😀.txt"), text: "données/é€😀.txt",
               json: #""données/é€😀.txt""#),
    DisplayRow("a newline", bytes("a\nb"), text: #""a\nb""#, json: #""a\nb""#),
    DisplayRow("a tab and a carriage return", bytes("a\tb\rc"), text: #""a\tb\rc""#, json: #""a\tb\rc""#),
    DisplayRow("a quote inside is verbatim in text", bytes("say \"hi\""), text: #"say "hi""#,
               json: #""say \"hi\"""#),
    DisplayRow("a leading quote makes the text quoted", bytes("\"q"), text: #""\"q""#, json: #""\"q""#),
    DisplayRow("a backslash is verbatim in plain text", bytes("a\\b"), text: #"a\b"#, json: #""a\\b""#),
    DisplayRow("a backslash in a quoted text path is escaped", bytes("a\\b\n"), text: #""a\\b\n""#,
               json: #""a\\b\n""#),
    DisplayRow("other control bytes", [0x01, 0x08, 0x0C, 0x1F], text: #""\x01\x08\x0c\x1f""#,
               json: #""\u0001\b\f\u001f""#),
    DisplayRow("DEL is escaped in text, verbatim in JSON", [0x61, 0x7F], text: #""a\x7f""#, json: "\"a\u{7F}\""),
    DisplayRow("a byte that is not UTF-8", [0x66, 0xFF], text: #""f\xff""#, json: #""f\udcff""#),
    DisplayRow("Latin-1 é (not UTF-8)", [0xE9, 0x74, 0xE9], text: #""\xe9t\xe9""#, json: #""\udce9t\udce9""#),
    DisplayRow("UTF-8 stays verbatim in a quoted text path", bytes("é\n"), text: "\"é\\n\"", json: #""é\n""#),
    DisplayRow("a truncated UTF-8 sequence", [0xC3], text: #""\xc3""#, json: #""\udcc3""#),
    DisplayRow("an overlong encoding of /", [0xC0, 0xAF], text: #""\xc0\xaf""#, json: #""\udcc0\udcaf""#),
    DisplayRow("an encoded surrogate", [0xED, 0xA0, 0x80], text: #""\xed\xa0\x80""#,
               json: #""\udced\udca0\udc80""#),
    DisplayRow("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80], text: #""\xf4\x90\x80\x80""#,
               json: #""\udcf4\udc90\udc80\udc80""#),
    DisplayRow("the text of an escape is not an escape", bytes("\\xff"), text: #"\xff"#, json: #""\\xff""#),
]

@Suite("Renderers (SPEC: Reports, Paths)")
struct RendererTests {
    static let specReport = Report(
        command: [bytes("node"), bytes("test-script.mjs")], workspace: bytes("/workspace"), outcome: .exited(0),
        reads: [bytes("input.txt"), bytes("test-script.mjs")], writes: [bytes("output/output.txt")])

    @Test("the text report is exactly SPEC's")
    func specText() {
        let expected = """
            FILES READ:
              - input.txt
              - test-script.mjs

            FILES WRITTEN:
              - output/output.txt

            """
        #expect(String(decoding: TextRenderer.render(Self.specReport), as: UTF8.self) == expected)
    }

    /// SPEC shows no empty section; the renderer writes "(none)", which the README is to document.
    @Test("empty sections")
    func emptyText() {
        let report = Report(command: [bytes("true")], workspace: bytes("/ws"), outcome: .exited(0), reads: [],
                            writes: [])
        #expect(String(decoding: TextRenderer.render(report), as: UTF8.self)
            == "FILES READ:\n  (none)\n\nFILES WRITTEN:\n  (none)\n")
        var onlyWrites = report
        onlyWrites.writes = [bytes("out")]
        #expect(String(decoding: TextRenderer.render(onlyWrites), as: UTF8.self)
            == "FILES READ:\n  (none)\n\nFILES WRITTEN:\n  - out\n")
    }

    @Test("warnings follow the two sections")
    func warningsText() {
        var report = Self.specReport
        report.warnings = ["2 opens could not be decoded"]
        let text = String(decoding: TextRenderer.render(report), as: UTF8.self)
        #expect(text.hasSuffix("  - output/output.txt\n\nWARNINGS:\n  - 2 opens could not be decoded\n"))
    }

    @Test("the JSON report has SPEC's keys and values (JSONSerialization)")
    func specJSON() throws {
        let object = try parseWithFoundation(JSONRenderer.render(Self.specReport))
        #expect(Set(object.keys) == ["version", "command", "workspace", "exitCode", "reads", "writes", "probes",
                                   "missing", "deletes", "directories", "executed", "listed", "inputs", "outputs",
                                   "warnings"])
        #expect(object["version"] as? Int == 1)
        #expect(object["command"] as? [String] == ["node", "test-script.mjs"])
        #expect(object["workspace"] as? String == "/workspace")
        #expect(object["exitCode"] as? Int == 0)
        #expect(object["reads"] as? [String] == ["input.txt", "test-script.mjs"])
        #expect(object["writes"] as? [String] == ["output/output.txt"])
        #expect(object["warnings"] as? [String] == [])
    }

    @Test("the JSON report of a killed command has exitCode 128+N and signal N")
    func killedJSON() throws {
        var report = Self.specReport
        report.outcome = .killed(signal: 9)
        let object = try parseWithFoundation(JSONRenderer.render(report))
        #expect(object["exitCode"] as? Int == 137)
        #expect(object["signal"] as? Int == 9)
        #expect(object["error"] == nil)
    }

    @Test("the JSON report of a failed exec has exitCode 127 or 126 and error",
          arguments: [(Errno.noSuchFile, 127), (Errno.notDirectory, 127), (Errno.permissionDenied, 126)])
    func execFailedJSON(_ error: Errno, _ status: Int) throws {
        let report = Report(command: [bytes("nope")], workspace: bytes("/ws"), outcome: .execFailed(error),
                            reads: [], writes: [])
        let object = try parseWithFoundation(JSONRenderer.render(report))
        #expect(object["exitCode"] as? Int == status)
        #expect(object["error"] as? String == error.description)
        #expect(object["signal"] == nil)
        #expect(object["reads"] as? [String] == [])
        #expect(object["writes"] as? [String] == [])
    }

    @Test("exitCode is the command's status")
    func exitCodeJSON() throws {
        var report = Self.specReport
        report.outcome = .exited(3)
        #expect(try parseWithFoundation(JSONRenderer.render(report))["exitCode"] as? Int == 3)
    }

    @Test("JSONSerialization reads UTF-8 names with every character JSON must escape")
    func awkwardUTF8JSON() throws {
        let names = ["a\nb", "say \"hi\"", "back\\slash", "\u{1}\u{1F}\u{7F}", "tab\there", "données/€😀",
                     "/slash/", "\u{2028}\u{2029}"]
        let report = Report(command: names.map(bytes), workspace: bytes("/wørk space"), outcome: .exited(0),
                            reads: names.map(bytes), writes: [], warnings: ["a \"quoted\" warning\n"])
        let object = try parseWithFoundation(JSONRenderer.render(report))
        #expect((object["reads"] as? [String])?.map(bytes) == names.map(bytes))
        #expect((object["command"] as? [String])?.map(bytes) == names.map(bytes))
        #expect((object["workspace"] as? String).map(bytes) == bytes("/wørk space"))
        #expect(object["warnings"] as? [String] == ["a \"quoted\" warning\n"])
    }

    @Test("the text form of a path", arguments: displayRows)
    func textDisplay(_ row: DisplayRow) throws {
        #expect(TextRenderer.display(row.path) == row.text, "\(show(TextRenderer.display(row.path)))")
        #expect(try LosslessForms.decodeText(row.text) == row.path)
    }

    @Test("the JSON form of a path", arguments: displayRows)
    func jsonDisplay(_ row: DisplayRow) throws {
        var out: [UInt8] = []
        JSONRenderer.string(row.path, into: &out)
        #expect(out == row.json, "\(show(out))")
        var parser = StrictJSON(out)
        #expect(try parser.parseDocument() == .string(row.path))
    }

    @Test("seeded random byte paths survive both reports and decode back exactly")
    func randomRoundTrip() throws {
        let seed = UInt64(0x10_7ACE)
        print("RendererTests.randomRoundTrip seed: \(seed) (SplitMix64)")
        var random = SplitMix64(seed: seed)
        let paths = (0..<400).map { _ in randomPath(using: &random) }
        let report = Report(command: [bytes("cmd")] + paths.prefix(20), workspace: paths[0], outcome: .exited(0),
                            reads: paths, writes: paths.reversed())

        let text = TextRenderer.render(report)
        let decodedText = try LosslessForms.decodeTextReport(text)
        #expect(decodedText.reads == paths)
        #expect(decodedText.writes == paths.reversed())

        let json = JSONRenderer.render(report)
        var parser = StrictJSON(json)
        guard case .object(let object) = try parser.parseDocument() else {
            Issue.record("the JSON report is not an object")
            return
        }
        #expect(object["reads"] == .array(paths.map { .string($0) }))
        #expect(object["writes"] == .array(paths.reversed().map { .string($0) }))
        #expect(object["workspace"] == .string(paths[0]))
        #expect(object["command"] == .array(([bytes("cmd")] + paths.prefix(20)).map { .string($0) }))

        // Foundation reads the paths that are UTF-8 the same way; the others are checked by StrictJSON alone
        // (see `foundationAndLoneSurrogates`).
        let utf8Paths = paths.filter { String(validating: $0, as: UTF8.self) != nil }
        let utf8Report = Report(command: [bytes("cmd")], workspace: bytes("/ws"), outcome: .exited(0),
                                reads: utf8Paths, writes: [])
        let foundation = try parseWithFoundation(JSONRenderer.render(utf8Report))
        #expect((foundation["reads"] as? [String])?.map(bytes) == utf8Paths)
        #expect(utf8Paths.count > 50, "the generator should make enough UTF-8 paths to matter")
    }

    /// Not a failure either way: it records what a consumer using Foundation sees for a name that is not
    /// UTF-8 (RFC 8259 §8.2 allows the escape; whether a parser accepts it is the parser's choice).
    @Test("what Foundation's JSONSerialization does with \\udcXX")
    func foundationAndLoneSurrogates() throws {
        let report = Report(command: [bytes("cmd")], workspace: bytes("/ws"), outcome: .exited(0),
                            reads: [[0x66, 0xFF]], writes: [])
        do {
            let object = try parseWithFoundation(JSONRenderer.render(report))
            print("JSONSerialization accepts \\udcff; reads = \(String(describing: object["reads"]))")
        } catch {
            print("JSONSerialization rejects \\udcff (\(error)); consumers need a surrogateescape-aware parser")
        }
    }

    private func parseWithFoundation(_ json: [UInt8]) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(json))
        return try #require(value as? [String: Any])
    }

    /// A path of 1–24 pieces: random bytes (any but NUL and /), UTF-8 of random scalars, and the characters
    /// the forms escape, joined with / now and then.
    private func randomPath(using random: inout SplitMix64) -> [UInt8] {
        var path: [UInt8] = []
        for _ in 0..<Int.random(in: 1...24, using: &random) {
            switch Int.random(in: 0..<10, using: &random) {
            case 0...2: path.append(UInt8.random(in: 1...255, using: &random))
            case 3...4: path.append(UInt8.random(in: 0x20...0x7E, using: &random))
            case 5:
                path += Array(String(Character(Unicode.Scalar(UInt32.random(in: 0x80...0x7FF, using: &random))!)).utf8)
            case 6:
                let scalar = [UInt32.random(in: 0x800...0xD7FF, using: &random),
                              UInt32.random(in: 0xE000...0x10FFFF, using: &random)].randomElement(using: &random)!
                path += Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
            case 7: path.append([0x22, 0x5C, 0x0A, 0x09, 0x0D, 0x7F, 0x01].randomElement(using: &random)!)
            case 8: path.append(0x2F)
            default: path += bytes("name")
            }
        }
        return path.contains(0) ? path.filter { $0 != 0 } : path
    }
}

/// Decoders for the two lossless forms, written from the renderers' documentation, to prove the forms name
/// exactly one byte sequence each.
enum LosslessForms {
    struct DecodeError: Error, CustomStringConvertible {
        let description: String
    }

    /// A text-report path: verbatim, unless it starts with `"`; then a C string with `\\ \" \n \t \r \xHH`.
    static func decodeText(_ text: [UInt8]) throws -> [UInt8] {
        guard text.first == UInt8(ascii: "\"") else { return text }
        guard text.count >= 2, text.last == UInt8(ascii: "\"") else {
            throw DecodeError(description: "no closing quote")
        }
        var out: [UInt8] = []
        var index = 1
        while index < text.count - 1 {
            let byte = text[index]
            if byte == UInt8(ascii: "\"") { throw DecodeError(description: "an unescaped quote inside") }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < text.count - 1 else { throw DecodeError(description: "a trailing backslash") }
            switch text[index + 1] {
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "x"):
                guard index + 3 < text.count - 1,
                      text[index + 2...index + 3].allSatisfy({ $0 < 0x80 && Character(UnicodeScalar($0)).isHexDigit }),
                      let value = UInt8(String(decoding: text[index + 2...index + 3], as: UTF8.self), radix: 16)
                else { throw DecodeError(description: "a bad \\x escape") }
                out.append(value)
                index += 4
                continue
            default: throw DecodeError(description: "an unknown escape")
            }
            index += 2
        }
        return out
    }

    /// The two lists of a text report (the proof of concept's sections), whatever follows them.
    static func decodeTextReport(_ report: [UInt8]) throws -> (reads: [[UInt8]], writes: [[UInt8]]) {
        var reads: [[UInt8]] = []
        var writes: [[UInt8]] = []
        var section = 0
        for line in report.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if line.elementsEqual(bytes("FILES READ:")) { section = 1; continue }
            if line.elementsEqual(bytes("FILES WRITTEN:")) { section = 2; continue }
            if line.elementsEqual(bytes("WARNINGS:")) { section = 3; continue }
            // Any other heading (the model's other sets, the process tree) ends the two lists.
            if let first = line.first, first != UInt8(ascii: " ") { section = 0; continue }
            if section == 0 { continue }
            if line.isEmpty || line.elementsEqual(bytes("  (none)")) { continue }
            guard line.starts(with: bytes("  - ")) else {
                throw DecodeError(description: "a line that is not an item: \(show(Array(line)))")
            }
            let path = try decodeText(Array(line.dropFirst(4)))
            if section == 1 { reads.append(path) } else if section == 2 { writes.append(path) }
        }
        return (reads, writes)
    }
}

/// A strict RFC 8259 parser whose strings are bytes: `\udc80`–`\udcff` alone stand for one byte each (the
/// JSON report's documented form); any other lone surrogate, a raw control character or raw bytes that
/// are not UTF-8 are errors.
struct StrictJSON {
    indirect enum Value: Equatable {
        case string([UInt8])
        case number(String)
        case bool(Bool)
        case null
        case array([Value])
        case object([String: Value])
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    private let input: [UInt8]
    private var index = 0

    init(_ input: [UInt8]) { self.input = input }

    mutating func parseDocument() throws -> Value {
        let value = try parseValue()
        skipWhitespace()
        guard index == input.count else { throw ParseError(description: "text after the value at \(index)") }
        return value
    }

    private mutating func skipWhitespace() {
        while index < input.count, [0x20, 0x09, 0x0A, 0x0D].contains(input[index]) { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard index < input.count, input[index] == byte else {
            throw ParseError(description: "expected \(UnicodeScalar(byte)) at \(index)")
        }
        index += 1
    }

    private mutating func parseValue() throws -> Value {
        skipWhitespace()
        guard index < input.count else { throw ParseError(description: "unexpected end") }
        switch input[index] {
        case UInt8(ascii: "{"):
            index += 1
            var object: [String: Value] = [:]
            skipWhitespace()
            if input[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
            while true {
                skipWhitespace()
                let key = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                object[String(decoding: key, as: UTF8.self)] = try parseValue()
                skipWhitespace()
                if input[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
                try expect(UInt8(ascii: ","))
            }
        case UInt8(ascii: "["):
            index += 1
            var array: [Value] = []
            skipWhitespace()
            if input[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
            while true {
                array.append(try parseValue())
                skipWhitespace()
                if input[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
                try expect(UInt8(ascii: ","))
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            for (word, value) in [("true", Value.bool(true)), ("false", .bool(false)), ("null", .null)]
                where input[index...].starts(with: bytes(word)) {
                index += word.utf8.count
                return value
            }
            throw ParseError(description: "a bad literal at \(index)")
        default:
            let start = index
            while index < input.count, "-+.eE0123456789".utf8.contains(input[index]) { index += 1 }
            guard index > start else { throw ParseError(description: "unexpected byte at \(index)") }
            return .number(String(decoding: input[start..<index], as: UTF8.self))
        }
    }

    private mutating func parseString() throws -> [UInt8] {
        try expect(UInt8(ascii: "\""))
        var out: [UInt8] = []
        while true {
            guard index < input.count else { throw ParseError(description: "a string that does not end") }
            let byte = input[index]
            if byte == UInt8(ascii: "\"") { index += 1; return out }
            if byte < 0x20 { throw ParseError(description: "a raw control character at \(index)") }
            if byte != UInt8(ascii: "\\") {
                // Raw bytes must be well-formed UTF-8: take one whole scalar.
                let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                guard index + length <= input.count,
                      String(validating: input[index..<index + length], as: UTF8.self) != nil
                else { throw ParseError(description: "raw bytes that are not UTF-8 at \(index)") }
                out += input[index..<index + length]
                index += length
                continue
            }
            index += 1
            guard index < input.count else { throw ParseError(description: "a string that ends in \\") }
            let escape = input[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let unit = try parseHex4()
                switch unit {
                case 0xDC80...0xDCFF:
                    out.append(UInt8(unit - 0xDC00))
                case 0xD800...0xDBFF:
                    guard input[index...].starts(with: bytes("\\u")) else {
                        throw ParseError(description: "a lone high surrogate")
                    }
                    index += 2
                    let low = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw ParseError(description: "a bad surrogate pair") }
                    let scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    out += Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
                case 0xDC00...0xDFFF:
                    throw ParseError(description: "a lone low surrogate outside \\udc80-\\udcff")
                default:
                    out += Array(String(Character(Unicode.Scalar(UInt32(unit))!)).utf8)
                }
            default: throw ParseError(description: "an unknown escape at \(index)")
            }
        }
    }

    private mutating func parseHex4() throws -> UInt16 {
        guard index + 4 <= input.count,
              let value = UInt16(String(decoding: input[index..<index + 4], as: UTF8.self), radix: 16)
        else { throw ParseError(description: "a bad \\u escape at \(index)") }
        index += 4
        return value
    }
}
