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
        commandName: "compare",
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
        """
        Read this strace log instead of running strace; it must come from strace run in this directory with \
        the options `compare --print-strace-options` prints.
        """,
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
                guard let bytes = FileSystem.readFile(straceLog) else {
                    throw CLIError("cannot read --strace-log '\(straceLog)'")
                }
                straceRun = (StraceLog(parsing: bytes, initialDirectory: Files.currentDirectory()), nil)
            } else {
                guard let strace = Files.findExecutable("strace") else {
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

    private func runUnderStrace(_ strace: String, argv: [[UInt8]]) throws(CLIError)
        -> (log: StraceLog, seconds: Double?)
    {
        var template = Array("/tmp/iotrace-compare-XXXXXX".utf8CString)
        switch retryingInterrupts({ mkstemp(&template) }) {
        case .success(let fd): close(fd)
        case .failure(let error): throw CLIError("cannot create a temporary file for strace's log: \(error)")
        }
        let logPath = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(logPath) }

        let straceArguments = ([strace] + StraceLog.straceOptions(log: logPath) + ["--"]).map { Array($0.utf8) } + argv
        let started = monotonicSeconds()
        let status: Int32
        switch HelperProcess.run(straceArguments) {
        case .success(let outcome): status = outcome.status
        case .failure(let error): throw CLIError("could not run strace: \(error)")
        }
        let seconds = monotonicSeconds() - started

        guard let log = FileSystem.readFile(logPath), !log.isEmpty else {
            throw CLIError("strace wrote no log (it exited with status \(status)); is ptrace allowed here?")
        }
        return (StraceLog(parsing: log, initialDirectory: Files.currentDirectory()), seconds)
    }
}

/// CLOCK_MONOTONIC in seconds, for the two runs' wall times.
func monotonicSeconds() -> Double { Double(Wait.monotonicNanoseconds()) / 1e9 }
