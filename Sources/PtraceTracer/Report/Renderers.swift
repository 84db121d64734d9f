/// Pure renderers: a report in, the bytes to write out.

/// UTF-8 well-formedness, per byte sequence (Unicode 15, table 3-7): no overlong forms, no surrogates,
/// nothing above U+10FFFF.
enum UTF8Scan {
    /// The length of the well-formed sequence starting at `index`, or nil when the byte there starts none.
    static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int? {
        let lead = bytes[index]
        if lead < 0x80 { return 1 }
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        let second = bytes[index + 1]
        guard second >= low && second <= high else { return nil }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { return nil }
        return length
    }

    static func isValid(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            guard let length = sequenceLength(bytes, at: index) else { return false }
            index += length
        }
        return true
    }
}

/// The text report, as the proof of concept printed it. A path that is valid UTF-8, has no control
/// character and does not begin with `"` is printed as it is; any other is printed as a double-quoted
/// C string (`\\`, `\"`, `\n`, `\t`, `\r`, `\xHH` for other control bytes and for each byte that is not
/// UTF-8), which names exactly one byte sequence.
public enum TextRenderer {
    public static func render(_ report: Report) -> [UInt8] {
        var out = [UInt8]()
        section("FILES READ:", report.reads, into: &out)
        out.append(UInt8(ascii: "\n"))
        section("FILES WRITTEN:", report.writes, into: &out)
        if !report.warnings.isEmpty {
            out.append(UInt8(ascii: "\n"))
            out += Array("WARNINGS:\n".utf8)
            for warning in report.warnings { out += Array("  - \(warning)\n".utf8) }
        }
        return out
    }

    private static func section(_ title: String, _ paths: [[UInt8]], into out: inout [UInt8]) {
        out += Array("\(title)\n".utf8)
        if paths.isEmpty { out += Array("  (none)\n".utf8) }
        for path in paths {
            out += Array("  - ".utf8)
            out += display(path)
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// A path as the text report shows it.
    public static func display(_ path: [UInt8]) -> [UInt8] {
        let plain = path.first != UInt8(ascii: "\"") && !path.contains(where: { $0 < 0x20 || $0 == 0x7F })
            && UTF8Scan.isValid(path)
        if plain { return path }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        var index = 0
        while index < path.count {
            let byte = path[index]
            switch byte {
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\n"): out += Array("\\n".utf8)
            case UInt8(ascii: "\t"): out += Array("\\t".utf8)
            case UInt8(ascii: "\r"): out += Array("\\r".utf8)
            case 0..<0x20, 0x7F: out += hexEscape("\\x", byte, width: 2)
            default:
                if let length = UTF8Scan.sequenceLength(path, at: index) {
                    out += path[index..<index + length]
                    index += length
                    continue
                }
                out += hexEscape("\\x", byte, width: 2)
            }
            index += 1
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}

/// The JSON report: one object, `reads` and `writes` as the proof of concept named them. Strings are UTF-8;
/// each byte of a path or argument that is not part of well-formed UTF-8 is written as the lone surrogate
/// `\udcXX` (U+DC00 + byte, Python's "surrogateescape", PEP 383), which no well-formed name can contain.
public enum JSONRenderer {
    public static func render(_ report: Report) -> [UInt8] {
        var out = Array("{\n".utf8)
        out += Array("  \"version\": 1,\n".utf8)
        out += Array("  \"command\": ".utf8)
        array(report.command, indent: "  ", into: &out)
        out += Array(",\n  \"workspace\": ".utf8)
        string(report.workspace, into: &out)
        out += Array(",\n  \"exitCode\": \(report.outcome.exitStatus)".utf8)
        switch report.outcome {
        case .exited: break
        case .killed(let signal): out += Array(",\n  \"signal\": \(signal)".utf8)
        case .execFailed(let error):
            out += Array(",\n  \"error\": ".utf8)
            string(Array(error.description.utf8), into: &out)
        }
        out += Array(",\n  \"reads\": ".utf8)
        array(report.reads, indent: "  ", into: &out)
        out += Array(",\n  \"writes\": ".utf8)
        array(report.writes, indent: "  ", into: &out)
        for (key, paths) in [("probes", report.probes), ("missing", report.missing), ("deletes", report.deletes),
                             ("directories", report.directories), ("executed", report.executed),
                             ("listed", report.listed), ("inputs", report.inputs), ("outputs", report.outputs)] {
            out += Array(",\n  \"\(key)\": ".utf8)
            array(paths, indent: "  ", into: &out)
        }
        out += Array(",\n  \"warnings\": ".utf8)
        array(report.warnings.map { Array($0.utf8) }, indent: "  ", into: &out)
        out += Array("\n}\n".utf8)
        return out
    }

    public static func array(_ items: [[UInt8]], indent: String, into out: inout [UInt8]) {
        if items.isEmpty {
            out += Array("[]".utf8)
            return
        }
        out += Array("[\n".utf8)
        for (index, item) in items.enumerated() {
            out += Array("\(indent)  ".utf8)
            string(item, into: &out)
            if index < items.count - 1 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\n"))
        }
        out += Array("\(indent)]".utf8)
    }

    /// A JSON string literal for `bytes` (RFC 8259 escapes, and `\udcXX` for bytes that are not UTF-8).
    public static func string(_ bytes: [UInt8], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case UInt8(ascii: "\n"): out += Array("\\n".utf8)
            case UInt8(ascii: "\t"): out += Array("\\t".utf8)
            case UInt8(ascii: "\r"): out += Array("\\r".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0..<0x20: out += hexEscape("\\u", UInt16(byte), width: 4)
            default:
                if let length = UTF8Scan.sequenceLength(bytes, at: index) {
                    out += bytes[index..<index + length]
                    index += length
                    continue
                }
                out += hexEscape("\\u", 0xDC00 + UInt16(byte), width: 4)
            }
            index += 1
        }
        out.append(UInt8(ascii: "\""))
    }
}

func hexEscape(_ prefix: String, _ value: some BinaryInteger, width: Int) -> [UInt8] {
    let digits = String(value, radix: 16)
    return Array((prefix + String(repeating: "0", count: max(0, width - digits.count)) + digits).utf8)
}
