import Foundation
import TraceModel

/// A JSON report read as any consumer reads it: Foundation's JSONDecoder (strict: it rejects lone surrogates
/// and malformed UTF-8), then each string that begins with `"` (a name in the quoted form) turned back into
/// its bytes through `nameBytes`, checked against the quoted form itself. Every other string is its UTF-8.
enum ConsumerJSON {
    /// A JSON value whose strings are bytes.
    indirect enum Value: Equatable, Decodable {
        case string([UInt8])
        case number(String)
        case bool(Bool)
        case null
        case array([Value])
        case object([String: Value])

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(Array(value.utf8))
            } else if let value = try? container.decode(Int.self) {
                self = .number(String(value))
            } else if let value = try? container.decode(Double.self) {
                self = .number(String(value))
            } else if let value = try? container.decode([Value].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: Value].self))
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The document with every name as its exact bytes, and `nameBytes` taken out (checked, then dropped).
    static func parse(_ json: [UInt8]) throws -> Value {
        guard case .object(var top) = try JSONDecoder().decode(Value.self, from: Data(json)) else {
            throw Failure(description: "the document is not an object")
        }
        guard case .object(let table) = top.removeValue(forKey: JSONWriter.nameBytesKey) else {
            throw Failure(description: "no \(JSONWriter.nameBytesKey) object")
        }
        var names: [[UInt8]: [UInt8]] = [:]
        for (quoted, hex) in table {
            guard case .string(let digits) = hex, let exact = bytes(hex: digits) else {
                throw Failure(description: "\(quoted): not a hex string")
            }
            // The quoted form and the bytes must say the same thing.
            guard try LosslessForms.decodeText(Array(quoted.utf8)) == exact else {
                throw Failure(description: "\(quoted) and its bytes disagree")
            }
            names[Array(quoted.utf8)] = exact
        }
        return try resolve(.object(top), names)
    }

    /// The top-level object of `parse`.
    static func object(_ json: [UInt8]) throws -> [String: Value] {
        guard case .object(let object) = try parse(json) else { throw Failure(description: "not an object") }
        return object
    }

    private static func resolve(_ value: Value, _ names: [[UInt8]: [UInt8]]) throws -> Value {
        switch value {
        case .string(let text) where text.first == UInt8(ascii: "\""):
            guard let exact = names[text] else { throw Failure(description: "\(show(text)) has no nameBytes") }
            return .string(exact)
        case .array(let items): return .array(try items.map { try resolve($0, names) })
        case .object(let members):
            // Free text (never a name) is left as it is, even when it begins with a quote.
            return .object(try Dictionary(uniqueKeysWithValues: members.map { key, value in
                (key, ["warnings", "error"].contains(key) ? value : try resolve(value, names))
            }))
        default: return value
        }
    }

    static func bytes(hex digits: [UInt8]) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        return try? stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16),
                  digits[index..<index + 2].allSatisfy({ !(0x41...0x46).contains($0) })
            else { throw Failure(description: "bad hex") }
            return byte
        }
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

