import ArgumentParser
import CProcCheck
import Kernel
import PtraceEngine
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
    _ = Files.write(line, to: STDERR_FILENO)
}

/// Daemons outliving the command (`TraceConfiguration.releaseDaemons`), with the ptrace engine. The process the
/// caller started becomes a monitor that only waits (`Monitor`), split off when that engine is chosen; its child
/// traces. When the trace ends with daemons still running, the report is written as usual, the monitor exits with
/// the status, and the child goes on serving the daemons, detached from the caller, until they exit. The eBPF
/// engine serves no stops: it leaves daemons behind, and needs no monitor (no fork, nothing copied).
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

    /// Splits the monitor off, once, before the ptrace engine's trace starts (`TraceOptions.trace`). The process
    /// must have no thread but this one (the eBPF load begun ahead has been taken over or let go of by then).
    static func split() {
        guard monitorRelease == nil else { return }
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
        // The top level's own answers (see TopLevel): asked alone, before the default subcommand takes them.
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments {
        case ["--help"], ["-h"], ["help"]:
            print(TopLevel.help(), terminator: "")
            exit(0)
        case ["--version"]:
            print(iotraceVersion)
            exit(0)
        default:
            break
        }
        do {
            // The usual trace line is read directly; everything else, errors included, by argument-parser.
            var command: ParsableCommand
            if let trace = CommonTraceLine.parse(arguments) {
                command = trace
            } else {
                command = try IOTrace.parseAsRoot(arguments)
            }
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

