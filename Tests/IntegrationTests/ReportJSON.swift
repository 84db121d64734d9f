/// The JSON report, read as any consumer reads it: Foundation's JSONDecoder (strict: it rejects lone
/// surrogates and malformed UTF-8), then each name in the quoted form (a string beginning with `"`) turned
/// back into its exact bytes through `nameBytes` (README: Paths that are not plain UTF-8).

import Foundation
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

/// The JSON as it is on the wire: every key decoded as it is, names still strings.
private struct WireReport: Decodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }

    struct Process: Decodable {
        var pid: Int
        var parent: Int
        var argv: [String]
        var cwd: String
        var exitCode: Int?
        var signal: Int?
        var reads: [String]
        var writes: [String]
    }

    var version: Int
    var command: [String]
    var workspace: String
    var engine: String?
    var exitCode: Int
    var signal: Int?
    var sets: [PathSet: [String]] = [:]
    var warnings: [String]
    var processes: [Process]?
    var nameBytes: [String: String]

    init(from decoder: Decoder) throws {
        let keys = try decoder.container(keyedBy: Key.self)
        version = try keys.decode(Int.self, forKey: Key("version"))
        command = try keys.decode([String].self, forKey: Key("command"))
        workspace = try keys.decode(String.self, forKey: Key("workspace"))
        engine = try keys.decodeIfPresent(String.self, forKey: Key("engine"))
        exitCode = try keys.decode(Int.self, forKey: Key("exitCode"))
        signal = try keys.decodeIfPresent(Int.self, forKey: Key("signal"))
        for set in PathSet.allCases { sets[set] = try keys.decode([String].self, forKey: Key(set.key)) }
        warnings = try keys.decode([String].self, forKey: Key("warnings"))
        processes = try keys.decodeIfPresent([Process].self, forKey: Key("processes"))
        nameBytes = try keys.decode([String: String].self, forKey: Key(JSONWriter.nameBytesKey))
    }

    /// A name's bytes: its UTF-8 when written as it is, else what `nameBytes` gives for its quoted form.
    func name(_ string: String) throws -> RawPath {
        guard string.hasPrefix("\"") else { return RawPath(string) }
        guard let hex = nameBytes[string] else { throw ReportError("\(string) is quoted but not in nameBytes") }
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { throw ReportError("nameBytes[\(string)] is not hex") }
        return RawPath(bytes: try stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw ReportError("nameBytes[\(string)] is not hex")
            }
            return byte
        })
    }

    func names(_ strings: [String]) throws -> [RawPath] { try strings.map(name) }
}

/// The report's keys (SPEC: Reports), typed.
struct TraceReport {
    var version: Int
    var command: [RawPath]
    var workspace: RawPath
    /// `ptrace` or `ebpf`: which engine ran.
    var engine: String?
    var exitCode: Int
    var signal: Int?
    /// Every path set, under its JSON key.
    var sets: [PathSet: [RawPath]] = [:]
    var warnings: [String]
    /// `processes`, present only with --processes.
    var processes: [TraceProcess]?

    init(json bytes: [UInt8]) throws {
        let wire = try JSONDecoder().decode(WireReport.self, from: Data(bytes))
        version = wire.version
        command = try wire.names(wire.command)
        workspace = try wire.name(wire.workspace)
        engine = wire.engine
        exitCode = wire.exitCode
        signal = wire.signal
        for (set, names) in wire.sets { sets[set] = try wire.names(names) }
        warnings = wire.warnings
        processes = try wire.processes?.map { try TraceProcess($0, wire) }
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

/// A report's path sets as a test expects them (relative to the workspace, sorted), each empty unless named:
/// `Expected(writes: ["out.txt"], outputs: ["out.txt"])` says every other set is empty. One property per
/// `PathSet`, named by its JSON key, so adding a set to PathSet is one line here: `subscript` finds each set's
/// property by that name, and `expectReport` fails a test whose PathSet has no property here.
struct Expected: Sendable {
    var reads: [RawPath] = []
    var writes: [RawPath] = []
    var probes: [RawPath] = []
    var missing: [RawPath] = []
    var deletes: [RawPath] = []
    var directories: [RawPath] = []
    var executed: [RawPath] = []
    var listed: [RawPath] = []
    var inputs: [RawPath] = []
    var outputs: [RawPath] = []
    /// Sets this run cannot fix exactly (a race the fixture cannot order, a tool's version, an entry SPEC
    /// leaves in question): not compared here; the caller says why, and checks what it can of them.
    var unchecked: [PathSet] = []

    /// One set's expected paths; nil when this type has no property for the set.
    subscript(set: PathSet) -> [RawPath]? {
        Mirror(reflecting: self).children.first { $0.label == set.key }?.value as? [RawPath]
    }
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

    fileprivate init(_ process: WireReport.Process, _ wire: WireReport) throws {
        pid = process.pid
        parent = process.parent
        argv = try wire.names(process.argv)
        cwd = try wire.name(process.cwd)
        exitCode = process.exitCode
        signal = process.signal
        reads = try wire.names(process.reads)
        writes = try wire.names(process.writes)
    }
}

struct ReportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
