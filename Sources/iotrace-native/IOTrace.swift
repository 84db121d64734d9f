import ArgumentParser
import CProcCheck
import TraceModel
import Kernel
import PtraceEngine
import StraceReader
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failure of the tracer itself: one line on stderr, exit status 125 (SPEC: Exit status).
struct CLIError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// SPEC's status for the tracer's own failures, a bad option included (argument-parser would say 64).
let tracerFailureStatus: Int32 = 125

struct IOTrace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iotrace-native",
        abstract: "Run a command and report which workspace files it read and wrote.",
        discussion: """
            Follows every process and thread the command starts (ptrace, no strace needed). The command's \
            stdin, stdout and stderr are its own; the report goes to stderr unless --output says otherwise.
            Exit status: the command's own; 128+N if it was killed by signal N; 127 if not found; 126 if not \
            executable; 125 if the tracer itself failed.
            """,
        subcommands: [Trace.self, Compare.self, Check.self],
        defaultSubcommand: Trace.self)
}

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Trace a command (the default subcommand).")

    @OptionGroup var options: TraceOptions

    @OptionGroup var views: ReportViewOptions

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run, after --.", valueName: "COMMAND"))
    var command: [String] = []

    func validate() throws {
        if command.isEmpty || command[0].isEmpty {
            throw ValidationError("no command to trace: give one after --, e.g. iotrace-native -- node test-script.mjs")
        }
    }

    func run() throws {
        let sink = try ReportSink(output: options.output)
        let result = try options.trace(rawCommandArguments(count: command.count), sink: sink,
                                       recordProcesses: views.processes)
        let bytes: [UInt8]
        switch options.format {
        case .text: bytes = TextRenderer.render(result.report, summary: views.summary)
        case .json: bytes = JSONRenderer.render(result.report)
        }
        try sink.write(bytes)
        if views.stats { printError(result.stops.summary) }
        throw ExitCode(result.report.outcome.exitStatus)
    }
}

extension TraceOptions {
    /// What these options ask of a trace of `argv`.
    func configuration(_ argv: [[UInt8]], filter: WorkspaceFilter) -> TraceConfiguration {
        var configuration = TraceConfiguration(
            command: argv, filter: filter, seccomp: !noSeccomp, decoding: decoding.decoding,
            signalMask: TraceConfiguration.callingThreadSignalMask(), allowRings: allowIoUring)
        configuration.pollMicroseconds = pollWindow
        return configuration
    }

    /// Traces `argv` as these options say, the tracer's signals forwarded to the command, and says on stderr
    /// when the command could not be run. On a tracer failure the report is discarded.
    func trace(_ argv: [[UInt8]], sink: ReportSink, recordProcesses: Bool = false) throws(CLIError) -> TraceResult {
        var configuration = configuration(argv, filter: workspaceFilter())
        configuration.recordProcesses = recordProcesses
        configuration.releaseDaemons = DaemonHandOff.monitorRelease != nil
        do {
            try SignalForwarding.install([SIGINT, SIGTERM, SIGHUP])
        } catch {
            sink.discard()
            throw CLIError("cannot install signal handlers: \(error)")
        }
        let result: TraceResult
        let tracer = Tracer(configuration)
        do {
            result = try tracer.run(
                onStart: { SignalForwarding.setTarget($0) },
                onNotice: { printError("note: \($0)") })
        } catch {
            sink.discard()
            throw CLIError(error.description)
        }
        if !result.daemons.isEmpty { DaemonHandOff.tracer = tracer }
        if case .execFailed(let error) = result.report.outcome {
            let name = String(decoding: argv[0], as: UTF8.self)
            if result.report.outcome.exitStatus == 127 {
                printError("\(name): command not found (looked up on PATH as execvp does)")
            } else {
                printError("\(name): cannot execute: \(error)")
            }
        }
        return result
    }
}

/// The command's arguments as the bytes the kernel gave us: argument-parser's Strings would replace bytes
/// that are not UTF-8. The command is always the tail of argv, after `--`.
func rawCommandArguments(count: Int) -> [[UInt8]] {
    let total = Int(CommandLine.argc)
    return (total - count..<total).map { index in
        guard let pointer = CommandLine.unsafeArgv[index] else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
    }
}

func printError(_ message: String) {
    let line = Array("iotrace-native: \(message)\n".utf8)
    line.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// Daemons outliving the command (`TraceConfiguration.releaseDaemons`). The process the caller started is a
/// monitor that only waits (`Monitor`); this process traces. When the trace ends with daemons still running, the
/// report is written as usual, the monitor exits with the status, and this process goes on serving the daemons,
/// detached from the caller, until they exit.
///
/// Why not hand them to a separate keeper process: a new tracer has to PTRACE_SEIZE them, which Yama's
/// ptrace_scope 1 (the default of Ubuntu and of containers on it) refuses to anything but an ancestor; and
/// between the old tracer's detach and the new one's seize every traced call of theirs would fail with ENOSYS,
/// so they would have to be held by a SIGSTOP they could see. Staying their tracer needs neither.
enum DaemonHandOff {
    /// The release end of the monitor's pipe; nil when the split failed or was not made (then daemons are
    /// waited for, as strace -f does).
    nonisolated(unsafe) static var monitorRelease: Int32?
    /// The tracer whose run ended with daemons still running.
    nonisolated(unsafe) static var tracer: Tracer?

    /// Subcommands that trace and whose process the caller waits for.
    static func split(for command: ParsableCommand) {
        guard command is Trace || command is Check else { return }
        if case .success(let fd) = Monitor.split() { monitorRelease = fd }
    }

    /// Exits with `status`: at once, or, with daemons to serve, after releasing the monitor with it and serving
    /// them until they have exited.
    static func exit(_ status: Int32) -> Never {
        if let tracer, let monitorRelease, case .success = Monitor.release(monitorRelease, status: status) {
            tracer.serveDaemons()
            Glibc.exit(0)
        }
        Glibc.exit(status)
    }
}

@main
enum Main {
    static func main() {
        // Reached only with /proc mounted: CProcCheck's constructor exits 125 before this otherwise.
        precondition(cproccheck_proc_mounted() == 1)
        do {
            var command = try IOTrace.parseAsRoot()
            DaemonHandOff.split(for: command)
            try command.run()
            DaemonHandOff.exit(0)
        } catch let error as CLIError {
            printError(error.message)
            DaemonHandOff.exit(tracerFailureStatus)
        } catch let code as ExitCode {
            DaemonHandOff.exit(code.rawValue)
        } catch {
            let status = IOTrace.exitCode(for: error)
            if status == .success {
                print(IOTrace.fullMessage(for: error))
                exit(0)
            }
            // One line (SPEC: Exit status): argument-parser's first line says what was wrong.
            let message = IOTrace.message(for: error)
            printError(message.split(separator: "\n").first.map(String.init) ?? message)
            exit(tracerFailureStatus)
        }
    }
}
