import ArgumentParser
import TraceModel
import Kernel
import PtraceEngine
import StraceReader
import TaskCheck
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `iotrace-native compare`: the same command under `strace -f` and natively, the two reports diffed key by key.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the command under strace -f, then natively, and show where the two reports differ.",
        discussion: """
            strace traces every call the tracer decodes (see README, Subcommands), and its log is turned into a \
            report by the same report builder, so every key is compared. The command runs twice, strace first; \
            a command whose second run sees the first one's outputs may differ for that reason alone. With \
            --strace-log, strace is not run: the log it wrote earlier, from this directory, is read instead. \
            Exit status: 0 when the reports agree, 1 when they differ, 125 when either run could not be made \
            (strace not installed included).
            """)

    @OptionGroup var options: TraceOptions

    @Option(help: ArgumentHelp(
        "Read this strace log instead of running strace; it must come from strace run in this directory with the options `compare --print-strace-options` prints.",
        valueName: "FILE"))
    var straceLog: String?

    @Flag(help: "Print the strace options compare runs strace with (one per line, -o's file as FILE) and exit.")
    var printStraceOptions = false

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run, after --.", valueName: "COMMAND"))
    var command: [String] = []

    func validate() throws {
        if printStraceOptions { return }
        if command.isEmpty || command[0].isEmpty {
            throw ValidationError("no command to compare: give one after --, e.g. iotrace-native compare -- make")
        }
        if let straceLog, FileSystem.readFile(straceLog) == nil {
            throw ValidationError("--strace-log '\(straceLog)' is not a file that can be read")
        }
    }

    func run() throws {
        if printStraceOptions {
            print(StraceLog.straceOptions(log: "FILE").joined(separator: "\n"))
            return
        }
        let sink = try ReportSink(output: options.output)
        let argv = rawCommandArguments(count: command.count)
        let filter = options.workspaceFilter()

        let straceRun: (log: StraceLog, seconds: Double?)
        do {
            if let straceLog {
                guard let bytes = FileSystem.readFile(straceLog) else { throw CLIError("cannot read --strace-log '\(straceLog)'") }
                straceRun = (StraceLog(parsing: bytes, initialDirectory: currentDirectory()), nil)
            } else {
                guard let strace = findOnPath("strace") else {
                    throw CLIError("compare needs strace, which is not on PATH: install it (apt-get install strace)")
                }
                straceRun = try runUnderStrace(strace, argv: argv)
            }
        } catch {
            sink.discard()
            throw error
        }
        // Recorded now, before the native run changes the workspace again: a read-only open is a listing when
        // it opened what is a directory at this point.
        var builder = ReportBuilder(filter: filter)
        straceRun.log.record(into: &builder)

        let started = monotonicSeconds()
        let native: TraceResult
        do {
            native = try Tracer(options.configuration(argv, filter: filter)).run()
        } catch {
            sink.discard()
            throw CLIError(error.description)
        }
        let nativeSeconds = monotonicSeconds() - started

        let straceReport = builder.build(command: argv, outcome: native.report.outcome)
        let comparison = Comparison(strace: straceReport, native: native.report, straceSeconds: straceRun.seconds,
                                    nativeSeconds: nativeSeconds, log: straceRun.log)
        try sink.write(options.format == .json ? comparison.json() : comparison.text())
        throw ExitCode(comparison.agree ? 0 : 1)
    }

    private func runUnderStrace(_ strace: String, argv: [[UInt8]]) throws(CLIError) -> (log: StraceLog, seconds: Double?) {
        var template = Array("/tmp/iotrace-compare-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw CLIError("cannot create a temporary file for strace's log: \(Errno(errno))") }
        close(fd)
        let logPath = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(logPath) }

        let straceArguments = ([strace] + StraceLog.straceOptions(log: logPath) + ["--"]).map { Array($0.utf8) } + argv
        let started = monotonicSeconds()
        let status = spawnAndWait(straceArguments)
        let seconds = monotonicSeconds() - started
        guard status >= 0 else { throw CLIError("could not run strace: \(Errno(-status))") }

        guard let log = FileSystem.readFile(logPath), !log.isEmpty else {
            throw CLIError("strace wrote no log (it exited with status \(status)); is ptrace allowed here?")
        }
        return (StraceLog(parsing: log, initialDirectory: currentDirectory()), seconds)
    }
}

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

// MARK: - Small process helpers for compare

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func findOnPath(_ name: String) -> String? {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
        let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}

/// posix_spawn and waitpid for one child; returns its wait status, or -errno.
func spawnAndWait(_ argv: [[UInt8]]) -> Int32 {
    var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { bytes in
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
        pointer[bytes.count] = 0
        return pointer
    }
    pointers.append(nil)
    defer { pointers.forEach { $0?.deallocate() } }
    var pid: pid_t = 0
    let error = posix_spawn(&pid, pointers[0]!, nil, nil, pointers, environ)
    guard error == 0 else { return -error }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        if errno != EINTR { return -errno }
    }
    return status
}
