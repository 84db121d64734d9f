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
        for set in PathSet.allCases {
            out += Array(",\n  \"\(set.key)\": ".utf8)
            array(report[set], indent: "  ", into: &out)
        }
        out += Array(",\n  \"warnings\": ".utf8)
        array(report.warnings.map { Array($0.utf8) }, indent: "  ", into: &out)
        if let processes = report.processes {
            out += Array(",\n  \"processes\": ".utf8)
            processArray(processes, into: &out)
        }
        out += Array("\n}\n".utf8)
        return out
    }

    /// `processes`: one object per process, in the order first seen. `exitCode` and `signal` are both always
    /// there, the one that does not apply (or both, when the end was not seen) null.
    private static func processArray(_ processes: [ProcessRecord], into out: inout [UInt8]) {
        list(processes, indent: "  ", into: &out) { process, out in
            out += Array("{\n      \"pid\": \(process.pid),\n      \"parent\": \(process.parent),\n".utf8)
            out += Array("      \"argv\": ".utf8)
            array(process.argv, indent: "      ", into: &out)
            out += Array(",\n      \"cwd\": ".utf8)
            string(process.cwd, into: &out)
            var exitCode = "null", signal = "null"
            switch process.end {
            case .exited(let code): exitCode = String(code)
            case .killed(let number): signal = String(number)
            case nil: break
            }
            out += Array(",\n      \"exitCode\": \(exitCode),\n      \"signal\": \(signal)".utf8)
            out += Array(",\n      \"reads\": ".utf8)
            array(process.reads, indent: "      ", into: &out)
            out += Array(",\n      \"writes\": ".utf8)
            array(process.writes, indent: "      ", into: &out)
            out += Array("\n    }".utf8)
        }
    }

    /// An array of strings, one per line, its items two columns deeper than `indent`; `[]` when empty.
    public static func array(_ items: [[UInt8]], indent: String, into out: inout [UInt8]) {
        list(items, indent: indent, into: &out) { string($0, into: &$1) }
    }

    /// An array, one item per line two columns deeper than `indent`, each written by `element`; `[]` when
    /// empty. Every array of the reports is written through here.
    public static func list<Item>(_ items: [Item], indent: String, into out: inout [UInt8],
                                  element: (Item, inout [UInt8]) -> Void) {
        if items.isEmpty {
            out += Array("[]".utf8)
            return
        }
        out += Array("[\n".utf8)
        for (index, item) in items.enumerated() {
            out += Array("\(indent)  ".utf8)
            element(item, &out)
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
