/// What a command-line tool answers at the top level: --version, --help with the trace options, a man page and
/// shell completions generated from the command's own definitions, installed by Scripts/install.sh.
import Foundation
import Testing

@Suite("Command-line conventions", .serialized, .timeLimit(.minutes(2)))
struct ConventionsTests {
    @Test("--version prints the version and exits 0, running nothing")
    func version() throws {
        let workspace = try Workspace()
        let run = try workspace.runTracer(["--version"])
        #expect(run.status == 0, "\(run.diagnostics)")
        let text = run.process.stdoutText.trimmingCharacters(in: .newlines)
        #expect(text.split(separator: ".").count == 3 && text.allSatisfy { $0.isNumber || $0 == "." }, "\(text)")
        #expect(run.process.stderr.isEmpty)
    }

    @Test("--help shows the trace options, --version, and the subcommands", arguments: ["--help", "-h", "help"])
    func help(_ flag: String) throws {
        let workspace = try Workspace()
        let run = try workspace.runTracer([flag])
        #expect(run.status == 0, "\(run.diagnostics)")
        let text = run.process.stdoutText
        for expected in ["USAGE: iotrace-native [<options>] -- <COMMAND>", "--workspace <DIR>", "--format",
                         "--output", "--events <FILE>", "--processes", "--version", "SUBCOMMANDS:", "compare",
                         "check"] {
            #expect(text.contains(expected), "\(expected) missing from:\n\(text)")
        }
    }

    @Test("completion scripts come from the command's definitions", arguments: ["bash", "zsh", "fish"])
    func completions(_ shell: String) throws {
        let workspace = try Workspace()
        let run = try workspace.runTracer(["--generate-completion-script", shell])
        #expect(run.status == 0, "\(run.diagnostics)")
        #expect(run.process.stdoutText.contains("workspace") && run.process.stdoutText.contains("events"))
    }

    @Test("Scripts/install.sh PREFIX installs the binary, the man page and the completions")
    func install() throws {
        let binary = try Locations.iotrace()
        // The tool the generate-manual plugin runs, built beside the binary; SwiftPM itself cannot be run from
        // inside `swift test`, which holds the package's lock.
        let tool = (binary as NSString).deletingLastPathComponent + "/generate-manual-tool"
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            print("install test skipped: \(tool) is not built (swift package plugin generate-manual builds it)")
            return
        }
        let workspace = try Workspace()
        let prefix = workspace.scratch + "/prefix"
        var environment = ProcessInfo.processInfo.environment
        environment["IOTRACE_BINARY"] = binary
        environment["IOTRACE_GENERATE_MANUAL"] = tool
        let result = try runProcess("/usr/bin/env", ["bash", Locations.repository + "/Scripts/install.sh", prefix],
                                    in: workspace.path, environment: environment, timeout: 60)
        #expect(result.status == 0, "\(result.stderrText)")
        for file in ["bin/iotrace-native", "share/man/man1/iotrace-native.1",
                     "share/bash-completion/completions/iotrace-native", "share/zsh/site-functions/_iotrace-native",
                     "share/fish/vendor_completions.d/iotrace-native.fish"] {
            #expect(FileManager.default.fileExists(atPath: prefix + "/" + file), "\(file) not installed")
        }
        let manual = (try? String(contentsOfFile: prefix + "/share/man/man1/iotrace-native.1", encoding: .utf8)) ?? ""
        #expect(manual.contains(".Dt IOTRACE-NATIVE 1") && manual.contains("events"), "\(manual.prefix(400))")
    }
}
