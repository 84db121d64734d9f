import StraceReader
import TraceModel

/// The two reports side by side, every path key of the report compared.
struct Comparison {
    let strace: Report
    let native: Report
    /// nil when the log was read from a file (`--strace-log`).
    let straceSeconds: Double?
    let nativeSeconds: Double
    let log: StraceLog

    struct Difference {
        let set: PathSet
        let onlyStrace: [[UInt8]]
        let onlyNative: [[UInt8]]
    }

    /// One row per set, differing or not, in the JSON's key order.
    var differences: [Difference] {
        PathSet.allCases.map { set in
            Difference(set: set, onlyStrace: difference(strace[set], native[set]),
                       onlyNative: difference(native[set], strace[set]))
        }
    }

    var agree: Bool { PathSet.allCases.allSatisfy { strace[$0] == native[$0] } }
    var ratio: Double? { straceSeconds.flatMap { $0 > 0 ? nativeSeconds / $0 : nil } }
    var openCalls: Int {
        log.calls.filter { [.open, .openat, .openat2, .creat].contains($0.syscall) }.count
    }

    private func difference(_ a: [[UInt8]], _ b: [[UInt8]]) -> [[UInt8]] {
        let other = Set(b)
        return a.filter { !other.contains($0) }
    }

    func text() -> [UInt8] {
        var out = [UInt8]()
        func line(_ text: String) { out += Array((text + "\n").utf8) }
        let differing = differences.filter { !$0.onlyStrace.isEmpty || !$0.onlyNative.isEmpty }
        if differing.isEmpty {
            line("REPORTS AGREE on every key: "
                + PathSet.allCases.map { "\(native[$0].count) \($0.key)" }.joined(separator: ", "))
        } else {
            line("REPORTS DIFFER in " + differing.map(\.set.key).joined(separator: ", "))
        }
        for row in differing {
            for (side, paths) in [("only under strace", row.onlyStrace), ("only natively", row.onlyNative)]
            where !paths.isEmpty {
                line("")
                line("\(row.set.key.uppercased()) \(side):")
                for path in paths { out += Array("  - ".utf8) + TextRenderer.display(path) + [UInt8(ascii: "\n")] }
            }
        }
        line("")
        line("TIME:")
        line("  strace -f:       " + (straceSeconds.map { "\(format($0)) s" } ?? "(log read from a file)"))
        line("  iotrace-native:  \(format(nativeSeconds)) s")
        if let ratio { line("  ratio:           \(format(ratio)) (iotrace-native / strace)") }
        if !log.issues.isEmpty {
            line("")
            line("WARNINGS:")
            line("  - \(log.issues.count) strace log line\(log.issues.count == 1 ? "" : "s") could not be used:")
            for issue in log.issues.prefix(5) { line("      \(issue)") }
        }
        return out
    }

    /// `agree`, the times, the log's issues and call counts, `reads` and `writes` (native), and for every key
    /// `onlyStraceKEY` and `onlyNativeKEY` (`onlyStraceReads`, `onlyNativeProbes`...), then `nameBytes`.
    func json() -> [UInt8] {
        JSONWriter.document { json in
            json.member("version", number: 1)
            json.member("agree", bool: agree)
            json.member("exitCode", number: native.outcome.exitStatus)
            json.member("straceSeconds", raw: straceSeconds.map(format) ?? "null")
            json.member("nativeSeconds", raw: format(nativeSeconds))
            json.member("ratio", raw: ratio.map(format) ?? "null")
            json.member("straceLogIssues", number: log.issues.count)
            json.member("straceCalls", number: log.calls.count)
            json.member("straceOpenCalls", number: openCalls)
            json.member("reads", names: native.reads)
            json.member("writes", names: native.writes)
            for row in differences {
                let name = row.set.key.prefix(1).uppercased() + row.set.key.dropFirst()
                json.member("onlyStrace" + name, names: row.onlyStrace)
                json.member("onlyNative" + name, names: row.onlyNative)
            }
        }
    }

    private func format(_ value: Double) -> String {
        let milli = Int((value * 1000).rounded())
        let fraction = String(milli % 1000)
        return "\(milli / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
