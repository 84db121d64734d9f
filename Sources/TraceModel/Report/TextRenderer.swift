#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
        for set in sections(of: report) {
            let paths = report[set]
            let counted = summary || !set.isProofOfConcept
            var out = [UInt8]()
            section(counted ? "\(set.heading) (\(grouped(paths.count))):" : "\(set.heading):", paths, noun: set.noun,
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

    /// The sets shown, in order: the proof of concept's two, then the others that are not empty, largest first
    /// (equal sizes keep the JSON's key order).
    static func sections(of report: Report) -> [PathSet] {
        let others = PathSet.allCases.filter { !$0.isProofOfConcept && !report[$0].isEmpty }
        return PathSet.allCases.filter(\.isProofOfConcept)
            + others.enumerated().sorted { a, b in
                let (countA, countB) = (report[a.element].count, report[b.element].count)
                return countA != countB ? countA > countB : a.offset < b.offset
            }.map(\.element)
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

    /// The names of the signals a build is likely to see, keyed by this machine's numbers.
    private static let signalNames: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
        SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
        SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
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

    /// The double-quoted C-string form of any bytes; with `escapingNoncharacters` (the JSON's form) a
    /// noncharacter's bytes are `\xHH` too.
    static func quoted(_ path: [UInt8], escapingNoncharacters: Bool = false) -> [UInt8] {
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
                if let (value, length) = UTF8Scan.decode(path[...], at: index),
                   !(escapingNoncharacters && UTF8Scan.isNoncharacter(value)) {
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
