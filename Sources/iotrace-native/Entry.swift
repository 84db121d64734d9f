import ArgumentParser
import CProcCheck
import Kernel
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

@main
enum Main {
    static func main() {
        // Reached only with /proc mounted: CProcCheck's constructor exits 125 before this otherwise.
        precondition(cproccheck_proc_mounted() == 1)
        // The top level's own answers (see TopLevel): asked alone, before the default subcommand takes them.
        switch Array(CommandLine.arguments.dropFirst()) {
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
            var command = try IOTrace.parseAsRoot()
            try command.run()
            exit(0)
        } catch let error as CLIError {
            printError(error.message)
            exit(tracerFailureStatus)
        } catch let code as ExitCode {
            exit(code.rawValue)
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

