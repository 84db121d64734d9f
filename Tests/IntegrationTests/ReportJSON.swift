/// The JSON report, parsed byte-exactly.
///
/// Foundation's JSONSerialization and JSONDecoder both reject the lone surrogates (`\udcXX`) that the report
/// uses for bytes that are not UTF-8 ("Unable to convert hex escape sequence (no high character)"), so this
/// is a small strict RFC 8259 parser whose strings are byte arrays: `\udcXX` with XX >= 0x80 becomes the
/// byte XX again, every other escape becomes its UTF-8 encoding.

import TraceModel

/// A path (or any report string) as raw bytes. Written as a string literal in tests; shown escaped in
/// failure messages so that newlines and non-UTF-8 bytes stay visible.
struct RawPath: Hashable, Comparable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    var bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }
    init(_ string: String) { bytes = Array(string.utf8) }
    init(stringLiteral value: String) { self.init(value) }

    /// Byte order, as the report sorts.
    static func < (lhs: RawPath, rhs: RawPath) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    var description: String {
        var text = "\""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\\"): text += "\\\\"
            case UInt8(ascii: "\""): text += "\\\""
            case UInt8(ascii: "\n"): text += "\\n"
            case UInt8(ascii: "\t"): text += "\\t"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                // A well-formed multi-byte UTF-8 sequence stays as its character, any other byte is \xHH.
                if byte >= 0x80, let (scalar, length) = decodeScalar(at: index) {
                    text.unicodeScalars.append(scalar)
                    index += length
                    continue
                }
                text += "\\x" + String(byte, radix: 16).leftPadded(to: 2)
            }
            index += 1
        }
        return text + "\""
    }

    private func decodeScalar(at index: Int) -> (Unicode.Scalar, Int)? {
        for length in 2...4 where index + length <= bytes.count {
            if let string = String(validating: bytes[index..<index + length], as: UTF8.self),
               let scalar = string.unicodeScalars.first, string.unicodeScalars.count == 1 {
                return (scalar, length)
            }
        }
        return nil
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

enum JSONValue: Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string([UInt8])
    case number(Double)
    case bool(Bool)
    case null
}

struct JSONParseError: Error, CustomStringConvertible {
    let message: String
    let offset: Int
    var description: String { "invalid JSON at byte \(offset): \(message)" }
}

struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0

    /// Parses one JSON document (surrounding whitespace allowed). The document must be valid UTF-8.
    static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw JSONParseError(message: "the document is not valid UTF-8", offset: 0)
        }
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("trailing characters") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: index) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ literal: String) throws(JSONParseError) {
        for byte in literal.utf8 {
            guard current == byte else { throw error("expected '\(literal)'") }
            index += 1
        }
    }

    private mutating func value() throws(JSONParseError) -> JSONValue {
        switch current {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case .some(let byte) where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): return try number()
        default: throw error("expected a value")
        }
    }

    private mutating func object() throws(JSONParseError) -> JSONValue {
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a key") }
            let keyBytes = try string()
            guard let key = String(validating: keyBytes, as: UTF8.self) else { throw error("key is not UTF-8") }
            guard members[key] == nil else { throw error("duplicate key '\(key)'") }
            skipWhitespace()
            try expect(":")
            skipWhitespace()
            members[key] = try value()
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect("}")
            return .object(members)
        }
    }

    private mutating func array() throws(JSONParseError) -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value())
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect("]")
            return .array(elements)
        }
    }

    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = index
        while let byte = current, "+-.eE0123456789".utf8.contains(byte) { index += 1 }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text) else { throw error("bad number '\(text)'") }
        return .number(value)
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count,
              let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else { throw error("bad \\u escape") }
        index += 4
        return value
    }

    private mutating func string() throws(JSONParseError) -> [UInt8] {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let byte = current else { throw error("unterminated string") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return out
            case 0..<0x20:
                throw error("raw control character 0x\(String(byte, radix: 16)) in a string")
            case UInt8(ascii: "\\"):
                guard let escape = current else { throw error("unterminated escape") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out += try unicodeEscape()
                default: throw error("bad escape")
                }
            default:
                out.append(byte)
            }
        }
    }

    /// After `\u`: a BMP character, a surrogate pair, or a lone `\udcXX` standing for the raw byte XX.
    private mutating func unicodeEscape() throws(JSONParseError) -> [UInt8] {
        let unit = try hex4()
        switch unit {
        case 0xD800...0xDBFF:
            guard bytes[index...].starts(with: Array("\\u".utf8)) else { throw error("lone high surrogate") }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("high surrogate without a low one") }
            return utf8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        case 0xDC80...0xDCFF:
            return [UInt8(unit - 0xDC00)]
        case 0xDC00...0xDFFF:
            throw error("lone low surrogate that is not an escaped byte >= 0x80")
        default:
            return utf8(unit)
        }
    }

    private func utf8(_ value: UInt32) -> [UInt8] {
        guard let scalar = Unicode.Scalar(value) else { return [] }
        return Array(String(Character(scalar)).utf8)
    }
}

/// The report's keys (SPEC: Reports), typed.
struct TraceReport {
    var version: Int
    var command: [RawPath]
    var workspace: RawPath
    var exitCode: Int
    var signal: Int?
    /// Every path set, under its JSON key.
    var sets: [PathSet: [RawPath]] = [:]
    var warnings: [String]
    /// `processes`, present only with --processes.
    var processes: [TraceProcess]?

    init(json bytes: [UInt8]) throws {
        guard case .object(let top) = try JSONParser.parse(bytes) else {
            throw ReportError("the report is not an object")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let value = top[key] else { throw ReportError("the report has no '\(key)'") }
            return value
        }
        func integer(_ key: String) throws -> Int {
            guard case .number(let value) = try field(key), let integer = Int(exactly: value) else {
                throw ReportError("'\(key)' is not an integer")
            }
            return integer
        }
        func strings(_ key: String) throws -> [RawPath] {
            guard case .array(let elements) = try field(key) else { throw ReportError("'\(key)' is not an array") }
            return try elements.map { element in
                guard case .string(let bytes) = element else { throw ReportError("'\(key)' holds a non-string") }
                return RawPath(bytes: bytes)
            }
        }
        version = try integer("version")
        command = try strings("command")
        guard case .string(let workspaceBytes) = try field("workspace") else {
            throw ReportError("'workspace' is not a string")
        }
        workspace = RawPath(bytes: workspaceBytes)
        exitCode = try integer("exitCode")
        signal = top["signal"] == nil ? nil : try integer("signal")
        for set in PathSet.allCases { sets[set] = try strings(set.key) }
        warnings = try strings("warnings").map { String(decoding: $0.bytes, as: UTF8.self) }
        if let value = top["processes"] {
            guard case .array(let elements) = value else { throw ReportError("'processes' is not an array") }
            processes = try elements.map(TraceProcess.init)
        }
    }
}

extension TraceReport {
    subscript(set: PathSet) -> [RawPath] { sets[set] ?? [] }

    var reads: [RawPath] { self[.reads] }
    var writes: [RawPath] { self[.writes] }
    var probes: [RawPath] { self[.probes] }
    var missing: [RawPath] { self[.missing] }
    var deletes: [RawPath] { self[.deletes] }
    var directories: [RawPath] { self[.directories] }
    var executed: [RawPath] { self[.executed] }
    var listed: [RawPath] { self[.listed] }
    var inputs: [RawPath] { self[.inputs] }
    var outputs: [RawPath] { self[.outputs] }
}

/// One element of `processes`.
struct TraceProcess {
    var pid: Int
    var parent: Int
    var argv: [RawPath]
    var cwd: RawPath
    /// Null unless the process exited.
    var exitCode: Int?
    /// Null unless the process was killed.
    var signal: Int?
    var reads: [RawPath]
    var writes: [RawPath]

    init(_ value: JSONValue) throws {
        guard case .object(let object) = value else { throw ReportError("a process is not an object") }
        func field(_ key: String) throws -> JSONValue {
            guard let value = object[key] else { throw ReportError("a process has no '\(key)'") }
            return value
        }
        func integer(_ key: String) throws -> Int? {
            switch try field(key) {
            case .null: return nil
            case .number(let value):
                guard let integer = Int(exactly: value) else { throw ReportError("'\(key)' is not an integer") }
                return integer
            default: throw ReportError("a process's '\(key)' is not an integer or null")
            }
        }
        func strings(_ key: String) throws -> [RawPath] {
            guard case .array(let elements) = try field(key) else { throw ReportError("'\(key)' is not an array") }
            return try elements.map { element in
                guard case .string(let bytes) = element else { throw ReportError("'\(key)' holds a non-string") }
                return RawPath(bytes: bytes)
            }
        }
        guard let pid = try integer("pid"), let parent = try integer("parent") else {
            throw ReportError("a process's pid or parent is null")
        }
        self.pid = pid
        self.parent = parent
        argv = try strings("argv")
        guard case .string(let cwdBytes) = try field("cwd") else { throw ReportError("'cwd' is not a string") }
        cwd = RawPath(bytes: cwdBytes)
        exitCode = try integer("exitCode")
        signal = try integer("signal")
        reads = try strings("reads")
        writes = try strings("writes")
    }
}

struct ReportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
