import ArgumentParser
import PtraceTracer
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `iotrace-native compare`: the same command under `strace -f` and natively, the two reports diffed.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the command under strace -f, then natively, and show where the two reports differ.",
        discussion: """
            The command runs twice, strace first; a command whose second run sees the first one's outputs \
            may differ for that reason alone. Exit status: 0 when the reports agree, 1 when they differ, \
            125 when either run could not be made (strace not installed included).
            """)

    @OptionGroup var options: TraceOptions

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run, after --.", valueName: "COMMAND"))
    var command: [String] = []

    func validate() throws {
        if command.isEmpty || command[0].isEmpty {
            throw ValidationError("no command to compare: give one after --, e.g. iotrace-native compare -- make")
        }
    }

    func run() throws {
        guard let strace = findOnPath("strace") else {
            throw CLIError("compare needs strace, which is not on PATH: install it (apt-get install strace)")
        }
        let sink = try ReportSink(output: options.output)
        let argv = rawCommandArguments(count: command.count)
        let filter = options.workspaceFilter()

        let straceRun: (builder: ReportBuilder, seconds: Double, issues: [StraceLog.Issue])
        do {
            straceRun = try runUnderStrace(strace, argv: argv, filter: filter)
        } catch {
            sink.discard()
            throw error
        }

        let started = monotonicSeconds()
        let native: TraceResult
        do {
            native = try Tracer(TraceConfiguration(
                command: argv, filter: filter, seccomp: !options.noSeccomp, decoding: options.decoding.decoding,
                signalMask: TraceConfiguration.callingThreadSignalMask(), allowRings: options.allowIoUring)).run()
        } catch {
            sink.discard()
            throw CLIError(error.description)
        }
        let nativeSeconds = monotonicSeconds() - started

        let straceReport = straceRun.builder.build(command: argv, outcome: native.report.outcome)
        let comparison = Comparison(strace: straceReport, native: native.report, straceSeconds: straceRun.seconds,
                                    nativeSeconds: nativeSeconds, straceIssues: straceRun.issues.count)
        try sink.write(options.format == .json ? comparison.json() : comparison.text())
        throw ExitCode(comparison.agree ? 0 : 1)
    }

    private func runUnderStrace(_ strace: String, argv: [[UInt8]], filter: WorkspaceFilter) throws(CLIError)
        -> (builder: ReportBuilder, seconds: Double, issues: [StraceLog.Issue])
    {
        var template = Array("/tmp/iotrace-compare-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw CLIError("cannot create a temporary file for strace's log: \(Errno(errno))") }
        close(fd)
        let logPath = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(logPath) }

        let straceArguments = [strace, "-f", "-qq", "-xx", "-y", "-e", "trace=open,openat,openat2,creat", "-o", logPath,
                               "--"].map { Array($0.utf8) } + argv
        let started = monotonicSeconds()
        let status = spawnAndWait(straceArguments)
        let seconds = monotonicSeconds() - started
        guard status >= 0 else { throw CLIError("could not run strace: \(Errno(-status))") }

        guard let log = readWholeFile(logPath) else {
            throw CLIError("strace wrote no log (it exited with status \(status)); is ptrace allowed here?")
        }
        let parsed = StraceLog(parsing: log, initialDirectory: currentDirectory())
        var builder = ReportBuilder(filter: filter)
        parsed.record(into: &builder)
        return (builder, seconds, parsed.issues)
    }
}

/// The two reports side by side.
struct Comparison {
    let strace: Report
    let native: Report
    let straceSeconds: Double
    let nativeSeconds: Double
    let straceIssues: Int

    var onlyStraceReads: [[UInt8]] { difference(strace.reads, native.reads) }
    var onlyNativeReads: [[UInt8]] { difference(native.reads, strace.reads) }
    var onlyStraceWrites: [[UInt8]] { difference(strace.writes, native.writes) }
    var onlyNativeWrites: [[UInt8]] { difference(native.writes, strace.writes) }

    var agree: Bool { strace.reads == native.reads && strace.writes == native.writes }
    var ratio: Double { straceSeconds > 0 ? nativeSeconds / straceSeconds : 0 }

    private func difference(_ a: [[UInt8]], _ b: [[UInt8]]) -> [[UInt8]] {
        let other = Set(b)
        return a.filter { !other.contains($0) }
    }

    func text() -> [UInt8] {
        var out = [UInt8]()
        func line(_ text: String) { out += Array((text + "\n").utf8) }
        line(agree ? "REPORTS AGREE: \(native.reads.count) read, \(native.writes.count) written"
                   : "REPORTS DIFFER")
        for (title, paths) in [("READ only under strace", onlyStraceReads), ("READ only natively", onlyNativeReads),
                               ("WRITTEN only under strace", onlyStraceWrites), ("WRITTEN only natively", onlyNativeWrites)]
        where !paths.isEmpty {
            line("")
            line("\(title):")
            for path in paths { out += Array("  - ".utf8) + TextRenderer.display(path) + [UInt8(ascii: "\n")] }
        }
        line("")
        line("TIME:")
        line("  strace -f:       \(format(straceSeconds)) s")
        line("  iotrace-native:  \(format(nativeSeconds)) s")
        line("  ratio:           \(format(ratio)) (iotrace-native / strace)")
        if straceIssues > 0 { line("\nWARNINGS:\n  - \(straceIssues) strace log lines could not be used") }
        return out
    }

    func json() -> [UInt8] {
        var out = Array("{\n  \"version\": 1,\n  \"agree\": \(agree),\n".utf8)
        func list(_ key: String, _ paths: [[UInt8]], last: Bool = false) {
            out += Array("  \"\(key)\": ".utf8)
            JSONRenderer.array(paths, indent: "  ", into: &out)
            out += Array((last ? "\n" : ",\n").utf8)
        }
        out += Array("  \"exitCode\": \(native.outcome.exitStatus),\n".utf8)
        out += Array("  \"straceSeconds\": \(format(straceSeconds)),\n  \"nativeSeconds\": \(format(nativeSeconds)),\n".utf8)
        out += Array("  \"ratio\": \(format(ratio)),\n  \"straceLogIssues\": \(straceIssues),\n".utf8)
        list("reads", native.reads)
        list("writes", native.writes)
        list("onlyStraceReads", onlyStraceReads)
        list("onlyNativeReads", onlyNativeReads)
        list("onlyStraceWrites", onlyStraceWrites)
        list("onlyNativeWrites", onlyNativeWrites, last: true)
        out += Array("}\n".utf8)
        return out
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

func readWholeFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if count == 0 { return bytes }
        bytes += chunk[0..<count]
    }
}
