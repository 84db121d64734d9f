import ArgumentParser
import EBPFEngine
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
        commandName: "trace",
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
        let loadAhead = options.beginEBPFLoad()
        let sink = try ReportSink(output: options.output)
        let result = try options.trace(rawCommandArguments(count: command.count), sink: sink,
                                       recordProcesses: views.processes, loadAhead: loadAhead)
        let bytes: [UInt8]
        switch options.format {
        case .text: bytes = TextRenderer.render(result.report, summary: views.summary)
        case .json: bytes = JSONRenderer.render(result.report)
        }
        try sink.write(bytes)
        if views.stats { printError(result.stats) }
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

    /// The eBPF program's load, begun now when these options may choose that engine: it goes on, on another CPU,
    /// while the caller opens the report's file and sets the trace up (`trace` takes it over).
    func beginEBPFLoad() -> EBPFLoadAhead? {
        switch engine {
        case .ptrace: return nil
        case .auto where ptraceOnlyOption != nil: return nil
        case .auto, .ebpf: return EBPFTracer.beginLoading(ringBufferBytes: ringBufferBytes)
        }
    }

    /// Traces `argv` as these options say, with the engine they choose, the tracer's signals forwarded to the
    /// command, and says on stderr when the command could not be run. On a tracer failure the report is
    /// discarded. `loadAhead`: the eBPF program's load, begun (`beginEBPFLoad`).
    func trace(_ argv: [[UInt8]], sink: ReportSink, recordProcesses: Bool = false,
               loadAhead: EBPFLoadAhead? = nil) throws(CLIError) -> TraceRun {
        let filter = workspaceFilter()
        do {
            try SignalForwarding.install([SIGINT, SIGTERM, SIGHUP])
        } catch {
            sink.discard()
            throw CLIError("cannot install signal handlers: \(error)")
        }
        // Opened before the command starts, like the report's place: an unwritable one runs nothing.
        let eventLog = try openEventLog(sink: sink)
        var run: TraceRun
        do {
            if let tracer = try ebpfTracer(argv, filter: filter, recordProcesses: recordProcesses, events: eventLog,
                                           loadAhead: loadAhead) {
                let result = try tracer.run(onStart: { SignalForwarding.setTarget($0) })
                run = TraceRun(report: result.report, stats: result.counters.summary)
            } else {
                DaemonHandOff.split()
                var configuration = configuration(argv, filter: filter)
                configuration.recordProcesses = recordProcesses
                configuration.events = eventLog
                configuration.releaseDaemons = DaemonHandOff.monitorRelease != nil
                let tracer = Tracer(configuration)
                let result = try tracer.run(
                    onStart: { SignalForwarding.setTarget($0) },
                    onNotice: { printError("note: \($0)") })
                if !result.daemons.isEmpty { DaemonHandOff.tracer = tracer }
                run = TraceRun(report: result.report, stats: result.stops.summary)
            }
        } catch {
            _ = eventLog?.finish()
            sink.discard()
            throw CLIError(String(describing: error))
        }
        if let warning = eventLog?.finish() { run.report.warnings.append(warning) }
        if case .execFailed(let error) = run.report.outcome {
            let name = String(decoding: argv[0], as: UTF8.self)
            if run.report.outcome.exitStatus == 127 {
                printError("\(name): command not found (looked up on PATH as execvp does)")
            } else {
                printError("\(name): cannot execute: \(error)")
            }
        }
        return run
    }

    /// The eBPF engine, loaded, when the options choose it: always with `--engine ebpf` (where it cannot load,
    /// the error says why), with `auto` when it loads here and no ptrace-only option is given; nil for ptrace.
    func ebpfTracer(_ argv: [[UInt8]], filter: WorkspaceFilter, recordProcesses: Bool, events: EventLog?,
                    loadAhead: EBPFLoadAhead? = nil) throws(EBPFTraceError) -> EBPFTracer? {
        switch engine {
        case .ptrace: return nil
        case .auto where ptraceOnlyOption != nil: return nil
        case .auto, .ebpf: break
        }
        var configuration = EBPFConfiguration(command: argv, filter: filter,
                                              signalMask: TraceConfiguration.callingThreadSignalMask(),
                                              allowRings: allowIoUring)
        configuration.recordProcesses = recordProcesses
        configuration.ringBufferBytes = ringBufferBytes
        configuration.events = events
        configuration.loadAhead = loadAhead
        // This process exits once the report is out: the kernel's detach overlaps writing it.
        EBPFTracer.detachAtExit()
        do {
            return try EBPFTracer(configuration)
        } catch {
            if engine == .auto, case .cannotLoad = error { return nil }
            throw error
        }
    }
}

/// A finished trace, whichever engine ran it.
struct TraceRun {
    var report: Report
    /// The line `--stats` prints: the engine's own counts.
    var stats: String
}

extension TraceOptions {
    /// `--events FILE`, opened (a FIFO: once a reader has opened it), or nil without the option.
    func openEventLog(sink: ReportSink) throws(CLIError) -> EventLog? {
        guard let events else { return nil }
        do {
            return try EventLog(path: events)
        } catch {
            sink.discard()
            throw CLIError("cannot write events to '\(events)': \(error)")
        }
    }
}
