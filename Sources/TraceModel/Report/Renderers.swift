/// Pure renderers: a report in, the bytes to write out.

/// UTF-8 well-formedness, per byte sequence (Unicode 15, table 3-7): no overlong forms, no surrogates,
/// nothing above U+10FFFF.
public enum UTF8Scan {
    /// The length of the well-formed sequence starting at `index`, or nil when the byte there starts none.
    static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int? { decode(bytes[...], at: index)?.length }

    /// The scalar and length of the well-formed sequence starting at `index`, or nil when the byte there
    /// starts none.
    public static func decode(_ bytes: ArraySlice<UInt8>, at index: Int) -> (value: UInt32, length: Int)? {
        let lead = bytes[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
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
        guard index + length <= bytes.endIndex else { return nil }
        let second = bytes[index + 1]
        guard second >= low && second <= high else { return nil }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (value, length)
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

/// The text report. Its first two sections, `FILES READ:` and `FILES WRITTEN:`, are the proof of concept's,
/// byte for byte (SPEC: Reports), each shown even when empty (`(none)`). The other sets of the model follow,
/// largest first (ties in the JSON's key order), each headed with its count and left out when empty; then
/// the process tree when the report has one, then warnings.
///
/// A path that is valid UTF-8, has no control character and does not begin with `"` is printed as it is;
/// any other is printed as a double-quoted C string (`\\`, `\"`, `\n`, `\t`, `\r`, `\xHH` for other
/// control bytes and for each byte that is not UTF-8), which names exactly one byte sequence.
public enum TextRenderer {
    /// `summary`: paths folded by directory (`PathFolding`), and counts in every heading, the first two
    /// included (the proof of concept's form is for the full listing).
    public static func render(_ report: Report, summary: Bool = false) -> [UInt8] {
        var blocks: [[UInt8]] = []
        for (title, paths, noun) in [("FILES READ", report.reads, "files"), ("FILES WRITTEN", report.writes, "files")] {
            var out = [UInt8]()
            section(summary ? "\(title) (\(grouped(paths.count))):" : "\(title):", paths, noun: noun, summary: summary,
                    indent: "  ", into: &out)
            blocks.append(out)
        }
        for section in otherSections(of: report) where !section.paths.isEmpty {
            var out = [UInt8]()
            self.section("\(section.title) (\(grouped(section.paths.count))):", section.paths, noun: section.noun,
                         summary: summary, indent: "  ", into: &out)
            blocks.append(out)
        }
        if let processes = report.processes {
            blocks.append(processTree(processes, summary: summary))
        }
        if !report.warnings.isEmpty {
            var out = Array("WARNINGS:\n".utf8)
            for warning in report.warnings { out += Array("  - \(warning)\n".utf8) }
            blocks.append(out)
        }
        return Array(blocks.joined(separator: [UInt8(ascii: "\n")]))
    }

    /// The sets after reads and writes, largest first; equal sizes keep the JSON's key order.
    static func otherSections(of report: Report) -> [(title: String, paths: [[UInt8]], noun: String)] {
        let sections: [(title: String, paths: [[UInt8]], noun: String)] = [
            ("PATHS PROBED", report.probes, "paths"),
            ("PATHS MISSING", report.missing, "paths"),
            ("PATHS DELETED", report.deletes, "paths"),
            ("DIRECTORIES MADE", report.directories, "directories"),
            ("FILES EXECUTED", report.executed, "files"),
            ("DIRECTORIES LISTED", report.listed, "directories"),
            ("INPUTS", report.inputs, "files"),
            ("OUTPUTS", report.outputs, "files"),
        ]
        return sections.enumerated()
            .sorted { $0.element.paths.count != $1.element.paths.count
                ? $0.element.paths.count > $1.element.paths.count : $0.offset < $1.offset }
            .map(\.element)
    }

    private static func section(_ heading: String, _ paths: [[UInt8]], noun: String, summary: Bool, indent: String,
                                into out: inout [UInt8]) {
        out += Array("\(heading)\n".utf8)
        if paths.isEmpty { out += Array("\(indent)(none)\n".utf8) }
        items(paths, noun: noun, summary: summary, indent: indent, into: &out)
    }

    /// `INDENT- path` lines, or with `summary` the folded lines (`INDENT- dir/  (1,204 files)`).
    private static func items(_ paths: [[UInt8]], noun: String, summary: Bool, indent: String,
                              into out: inout [UInt8]) {
        let bullet = Array("\(indent)- ".utf8)
        guard summary else {
            for path in paths {
                out += bullet
                out += display(path)
                out.append(UInt8(ascii: "\n"))
            }
            return
        }
        for line in PathFolding.fold(paths) {
            out += bullet
            switch line {
            case .path(let path):
                out += display(path)
            case .directory(let directory, let count):
                out += display(directory + [UInt8(ascii: "/")])
                out += Array("  (\(grouped(count)) \(count == 1 ? String(noun.dropLast()) : noun))".utf8)
            }
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// `PROCESSES (N):`, then each process under its parent, two columns deeper per generation:
    /// `PID ARGV  [END]`, and below it `cwd: DIR` and its reads and writes as sub-lists.
    private static func processTree(_ processes: [ProcessRecord], summary: Bool) -> [UInt8] {
        var out = Array("PROCESSES (\(grouped(processes.count))):\n".utf8)
        // A process's parent is the latest process before it with the parent's pid (pids may be reused).
        var children = [Int: [Int]]()
        var roots: [Int] = []
        for (index, process) in processes.enumerated() {
            if let parent = processes[..<index].lastIndex(where: { $0.pid == process.parent }) {
                children[parent, default: []].append(index)
            } else {
                roots.append(index)
            }
        }
        func render(_ index: Int, depth: Int) {
            let process = processes[index]
            let indent = String(repeating: " ", count: 2 + 2 * depth)
            out += Array("\(indent)\(process.pid)".utf8)
            if depth == 0 { out += Array(" (parent \(process.parent))".utf8) }
            for argument in process.argv {
                out.append(UInt8(ascii: " "))
                out += displayArgument(argument)
            }
            out += Array("  [\(describe(process.end))]".utf8)
            if let task = process.task { out += Array("  task \(task)".utf8) }
            out.append(UInt8(ascii: "\n"))
            out += Array("\(indent)    cwd: ".utf8) + display(process.cwd) + [UInt8(ascii: "\n")]
            for (title, paths) in [("reads", process.reads), ("writes", process.writes)] where !paths.isEmpty {
                out += Array("\(indent)    \(title) (\(grouped(paths.count))):\n".utf8)
                items(paths, noun: "files", summary: summary, indent: indent + "      ", into: &out)
            }
            for child in children[index] ?? [] { render(child, depth: depth + 1) }
        }
        for root in roots { render(root, depth: 0) }
        return out
    }

    private static func describe(_ end: ProcessEnd?) -> String {
        switch end {
        case .exited(let code): return "exit \(code)"
        case .killed(let signal):
            return signalNames[signal].map { "killed by \($0) (\(signal))" } ?? "killed by signal \(signal)"
        case nil: return "end not seen"
        }
    }

    /// The signals whose numbers are the same on every architecture the tracer runs on (x86 and arm).
    private static let signalNames: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
        9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
    ]

    /// A command-line argument: as it is when it is plainly one word (letters, digits, `_@%+=:,./-`), else the
    /// quoted C-string form, so that spaces and empty arguments stay visible.
    static func displayArgument(_ argument: [UInt8]) -> [UInt8] {
        let plain = !argument.isEmpty && argument.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"): return true
            default: return "_@%+=:,./-".utf8.contains(byte)
            }
        }
        return plain ? argument : quoted(argument)
    }

    /// 1234567 as "1,234,567".
    package static func grouped(_ count: Int) -> String {
        var digits = String(count)
        var index = digits.endIndex
        while digits.distance(from: digits.startIndex, to: index) > 3 {
            index = digits.index(index, offsetBy: -3)
            digits.insert(",", at: index)
        }
        return digits
    }

    /// A path as the text report shows it.
    public static func display(_ path: [UInt8]) -> [UInt8] {
        guard path.first != UInt8(ascii: "\"") else { return quoted(path) }
        // Nearly every path is printable ASCII: one pass, and the UTF-8 check only for the rest.
        var ascii = true
        for byte in path {
            if byte < 0x20 || byte == 0x7F { return quoted(path) }
            if byte >= 0x80 { ascii = false }
        }
        return ascii || UTF8Scan.isValid(path) ? path : quoted(path)
    }

    /// The double-quoted C-string form of any bytes.
    static func quoted(_ path: [UInt8]) -> [UInt8] {
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
            out += Array(",\n      \"task\": ".utf8)
            if let task = process.task { string(Array(task.description.utf8), into: &out) } else { out += Array("null".utf8) }
            out += Array(",\n      \"taskHash\": ".utf8)
            if let hash = process.task?.hash { string(Array(hash.utf8), into: &out) } else { out += Array("null".utf8) }
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

func hexEscape(_ prefix: String, _ value: some BinaryInteger, width: Int) -> [UInt8] {
    let digits = String(value, radix: 16)
    return Array((prefix + String(repeating: "0", count: max(0, width - digits.count)) + digits).utf8)
}
