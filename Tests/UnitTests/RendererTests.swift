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
/// text report; in the JSON the name as it is when it is UTF-8 (no noncharacter, no leading `"`), else the
/// same quoted form, with the exact bytes under `nameBytes`.
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
    DisplayRow("a leading quote makes both quoted", bytes("\"q"), text: #""\"q""#, json: #""\"\\\"q\"""#),
    DisplayRow("a backslash is verbatim in plain text", bytes("a\\b"), text: #"a\b"#, json: #""a\\b""#),
    DisplayRow("a backslash in a quoted text path is escaped", bytes("a\\b\n"), text: #""a\\b\n""#,
               json: #""a\\b\n""#),
    DisplayRow("other control bytes", [0x01, 0x08, 0x0C, 0x1F], text: #""\x01\x08\x0c\x1f""#,
               json: #""\u0001\b\f\u001f""#),
    DisplayRow("DEL is escaped in text, verbatim in JSON", [0x61, 0x7F], text: #""a\x7f""#, json: "\"a\u{7F}\""),
    DisplayRow("a byte that is not UTF-8", [0x66, 0xFF], text: #""f\xff""#, json: #""\"f\\xff\"""#),
    DisplayRow("Latin-1 é (not UTF-8)", [0xE9, 0x74, 0xE9], text: #""\xe9t\xe9""#, json: #""\"\\xe9t\\xe9\"""#),
    DisplayRow("UTF-8 stays verbatim in a quoted text path", bytes("é\n"), text: "\"é\\n\"", json: #""é\n""#),
    DisplayRow("a truncated UTF-8 sequence", [0xC3], text: #""\xc3""#, json: #""\"\\xc3\"""#),
    DisplayRow("an overlong encoding of /", [0xC0, 0xAF], text: #""\xc0\xaf""#, json: #""\"\\xc0\\xaf\"""#),
    DisplayRow("an encoded surrogate", [0xED, 0xA0, 0x80], text: #""\xed\xa0\x80""#,
               json: #""\"\\xed\\xa0\\x80\"""#),
    DisplayRow("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80], text: #""\xf4\x90\x80\x80""#,
               json: #""\"\\xf4\\x90\\x80\\x80\"""#),
    DisplayRow("a noncharacter is verbatim in text, quoted in JSON (I-JSON)", bytes("a\u{FFFF}"),
               text: "a\u{FFFF}", json: #""\"a\\xef\\xbf\\xbf\"""#),
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
                                   "warnings", "nameBytes"])
        #expect(object["version"] as? Int == 1)
        #expect(object["command"] as? [String] == ["node", "test-script.mjs"])
        #expect(object["workspace"] as? String == "/workspace")
        #expect(object["exitCode"] as? Int == 0)
        #expect(object["reads"] as? [String] == ["input.txt", "test-script.mjs"])
        #expect(object["writes"] as? [String] == ["output/output.txt"])
        #expect(object["warnings"] as? [String] == [])
        #expect((object["nameBytes"] as? [String: String])?.isEmpty == true)
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

    @Test("the JSON form of a path, and its bytes under nameBytes when it is quoted", arguments: displayRows)
    func jsonDisplay(_ row: DisplayRow) throws {
        let json = JSONWriter.document { $0.member("name", name: row.path) }
        // A quoted name is a JSON string beginning with an escaped quote.
        let form = String(decoding: row.json, as: UTF8.self)
        let nameBytes = form.hasPrefix(#""\""#) ? "{\n    \(form): \"\(JSONWriter.hex(row.path))\"\n  }" : "{}"
        let expected = "{\n  \"name\": \(form),\n  \"nameBytes\": \(nameBytes)\n}\n"
        #expect(String(decoding: json, as: UTF8.self) == expected)
        #expect(try ConsumerJSON.object(json)["name"] == .string(row.path))
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

        let object = try ConsumerJSON.object(JSONRenderer.render(report))
        #expect(object["reads"] == .array(paths.map { .string($0) }))
        #expect(object["writes"] == .array(paths.reversed().map { .string($0) }))
        #expect(object["workspace"] == .string(paths[0]))
        #expect(object["command"] == .array(([bytes("cmd")] + paths.prefix(20)).map { .string($0) }))

        #expect(paths.count(where: { !JSONWriter.isVerbatim($0) }) > 100, "enough names in the quoted form")
    }

    @Test("a report naming a file that is not UTF-8 is read by JSONDecoder, and nameBytes gives its exact bytes")
    func jsonDecoderReadsEveryReport() throws {
        struct Consumer: Decodable {
            let reads: [String]
            let command: [String]
            let nameBytes: [String: String]
        }
        let odd: [UInt8] = Array("caf".utf8) + [0xE9, 0xFF]
        let report = Report(command: [bytes("cat"), odd], workspace: bytes("/ws"), outcome: .exited(0),
                            reads: [bytes("\"quoted"), odd, bytes("plain")], writes: [])
        let decoded = try JSONDecoder().decode(Consumer.self, from: Data(JSONRenderer.render(report)))
        #expect(decoded.reads == [#""\"quoted""#, #""caf\xe9\xff""#, "plain"])
        #expect(decoded.command == ["cat", #""caf\xe9\xff""#])
        #expect(decoded.nameBytes == [#""\"quoted""#: "2271756f746564", #""caf\xe9\xff""#: "636166e9ff"])
        let exact = decoded.reads.map { name in
            decoded.nameBytes[name].flatMap { ConsumerJSON.bytes(hex: Array($0.utf8)) } ?? Array(name.utf8)
        }
        #expect(exact == report.reads)
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
