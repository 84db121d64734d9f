import ArgumentParser
import Kernel
import PtraceEngine
import TraceModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
        do {
            try SignalForwarding.install([SIGINT, SIGTERM, SIGHUP])
        } catch {
            sink.discard()
            throw CLIError("cannot install signal handlers: \(error)")
        }
        let result: TraceResult
        do {
            result = try Tracer(configuration).run(
                onStart: { SignalForwarding.setTarget($0) },
                onNotice: { printError("note: \($0)") })
        } catch {
            sink.discard()
            throw CLIError(error.description)
        }
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
