/// SPEC: Command line, Exit status. Options are checked before the command starts: a bad one exits 125,
/// runs nothing and writes no report. The report goes where --output says, stderr by default, never into
/// the command's stdout.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A bad command line, and a word its error line must mention.
struct BadOptions: Sendable, CustomTestStringConvertible {
    let options: [String]
    let mentions: String
    /// Whether the case brings its own -o (else the test adds one, to check no report appears there).
    var setsOutput: Bool { options.contains("-o") }

    var testDescription: String { options.joined(separator: " ") }
}

let badOptions: [BadOptions] = [
    BadOptions(options: ["--format", "xml"], mentions: "xml"),
    BadOptions(options: ["--decoding", "nope"], mentions: "nope"),
    BadOptions(options: ["--frobnicate"], mentions: "frobnicate"),
    BadOptions(options: ["--workspace", "no-such-dir"], mentions: "no-such-dir"),
    BadOptions(options: ["--workspace", "sub/file.txt"], mentions: "sub/file.txt"),
    BadOptions(options: ["-o", "no-such-dir/report.json"], mentions: "no-such-dir/report.json"),
    BadOptions(options: ["-o", "sub"], mentions: "sub"),
    BadOptions(options: ["--ignore", "a/b"], mentions: "--ignore"),
    BadOptions(options: ["--poll-window", "100001"], mentions: "--poll-window"),
    BadOptions(options: ["--poll-window", "fast"], mentions: "fast"),
]

@Suite("Command line", .serialized, .timeLimit(.minutes(2)))
struct CLITests {
    @Test("a bad option exits 125, does not run the command and writes no report", arguments: badOptions)
    func badOption(_ bad: BadOptions) throws {
        let workspace = try Workspace()
        try workspace.file("sub/file.txt")
        let report = workspace.scratchFile("report.json")
        let output = bad.setsOutput ? [] : ["-o", report]
        let run = try workspace.runTracer(
            ["--format", "json"] + output + bad.options + ["--", try Fixture.path("touch"), "marker"],
            reportPath: report)
        #expect(run.status == 125, "\(run.diagnostics)")
        #expect(!workspace.exists("marker"), "the command ran")
        #expect(run.reportBytes == nil, "a report was written")
        #expect(!workspace.exists("no-such-dir"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.scratch).isEmpty,
                "something (a temporary report?) was left in \(workspace.scratch)")
        // SPEC: "Errors are one clear line on stderr".
        let lines = run.process.stderrText.split(separator: "\n")
        #expect(lines.count == 1, "\(run.diagnostics)")
        let firstLine = lines.first.map(String.init) ?? ""
        #expect(firstLine.hasPrefix("iotrace-native: "), "\(run.diagnostics)")
        #expect(firstLine.contains(bad.mentions), "\(run.diagnostics)")
        #expect(run.process.stdout.isEmpty, "\(run.diagnostics)")
    }

    @Test("no command: 125", arguments: [[], ["--"], ["--format", "json", "--"]])
    func noCommand(arguments: [String]) throws {
        let workspace = try Workspace()
        let run = try workspace.runTracer(arguments)
        #expect(run.status == 125, "\(run.diagnostics)")
        #expect(run.process.stderrText.hasPrefix("iotrace-native: "), "\(run.diagnostics)")
    }

    @Test("COMMAND is looked up on PATH as execvp does: directories without an executable match are skipped",
          arguments: [
            (["no-x", "x"], 0), (["x", "no-x"], 0), (["empty", "x"], 0), (["no-x"], 126), (["empty"], 127),
          ] as [([String], Int32)])
    func pathLookup(directories: [String], status: Int32) throws {
        // no-x holds `mytouch` without the x bit, x holds an executable copy of the touch fixture.
        let workspace = try Workspace()
        for name in ["no-x", "x", "empty"] {
            try FileManager.default.createDirectory(atPath: workspace.scratch + "/" + name,
                                                    withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: try Fixture.path("touch"), toPath: workspace.scratch + "/x/mytouch")
        try FileManager.default.copyItem(atPath: try Fixture.path("touch"), toPath: workspace.scratch + "/no-x/mytouch")
        chmod(workspace.scratch + "/no-x/mytouch", 0o644)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = directories.map { workspace.scratch + "/" + $0 }.joined(separator: ":")
        let report = workspace.scratchFile("report.json")
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", report, "--", "mytouch", "sub/a"],
            reportPath: report, environment: environment)
        let written: [RawPath] = status == 0 ? ["sub/a"] : []
        try run.expectReport(exitCode: status, Expected(writes: written, outputs: written))
    }

    @Test("an executable file without #! runs with /bin/sh, as execvp does")
    func scriptWithoutShebang() throws {
        let workspace = try Workspace()
        try workspace.file("sub/script", "cat sub/in.txt > sub/out.txt\n", permissions: 0o755)
        try workspace.file("sub/in.txt")
        let run = try workspace.trace(["./sub/script"], mode: .seccompSyscallInfo)
        // sh opens the script to read it (execvp's ENOEXEC fallback runs it as sh's argument).
        try run.expectReport(Expected(reads: ["sub/in.txt", "sub/script"], writes: ["sub/out.txt"],
                                      inputs: ["sub/in.txt", "sub/script"], outputs: ["sub/out.txt"]))
    }

    @Test("-o - writes the report to stdout")
    func reportToStdout() throws {
        let workspace = try Workspace()
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", "-", "--", try Fixture.path("touch"), "sub/a"])
        #expect(run.status == 0, "\(run.diagnostics)")
        let report = try TraceReport(json: run.process.stdout)
        #expect(report.writes == ["sub/a"])
        #expect(run.process.stderr.isEmpty, "\(run.diagnostics)")
    }

    @Test("the report goes to stderr by default, and the workspace defaults to the current directory")
    func defaults() throws {
        let workspace = try Workspace()
        let run = try workspace.runTracer(
            ["--format", "json", "--", try Fixture.path("touch"), "sub/a"], directory: workspace.path)
        #expect(run.status == 0, "\(run.diagnostics)")
        #expect(run.process.stdout.isEmpty, "\(run.diagnostics)")
        let report = try TraceReport(json: run.process.stderr)
        #expect(report.writes == ["sub/a"])
        #expect(report.command.last == "sub/a")
    }

    @Test("an existing report file is replaced whole")
    func replacesReport() throws {
        let workspace = try Workspace()
        let report = workspace.scratchFile("report.json")
        try String(repeating: "stale report\n", count: 1000).write(toFile: report, atomically: false, encoding: .utf8)
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", report, "--", try Fixture.path("touch"), "sub/a"],
            reportPath: report)
        try run.expectReport(Expected(writes: ["sub/a"], outputs: ["sub/a"]))
    }
}

/// SPEC: Command line. "Its stdin, stdout and stderr are the tracer's own, untouched", and nothing else of
/// the tracer's reaches it: the command starts as it would have untraced.
@Suite("The command's environment", .serialized, .timeLimit(.minutes(2)))
struct CommandEnvironmentTests {
    @Test("the command reads the tracer's stdin")
    func stdinPassedThrough() throws {
        let workspace = try Workspace()
        let report = workspace.scratchFile("report.json")
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", report, "--", "/bin/sh", "-c", "cat > sub/out"],
            reportPath: report, stdin: "from stdin\n")
        try run.expectReport(Expected(writes: ["sub/out"], outputs: ["sub/out"]))
        #expect(workspace.contents("sub/out") == "from stdin\n")
    }

    @Test("the command inherits no descriptor of the tracer's (pipes, the report file)",
          arguments: [["-o", "REPORT"], ["-o", "-"], []])
    func noLeakedDescriptors(output: [String]) throws {
        let workspace = try Workspace()
        let program = try Fixture.path("list_fds")
        func descriptors(_ file: String) -> [String] {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? "(not written)"
            return text.split(separator: "\n").map(String.init).sorted()
        }
        // The baseline: what the fixture inherits started directly by the harness (Foundation's Process
        // hands every child a socket of its own).
        let baseline = workspace.scratchFile("untraced-fds")
        let untraced = try runProcess(program, [baseline], in: workspace.path)
        try #require(untraced.status == 0, "\(untraced.stderrText)")
        let traced = workspace.scratchFile("traced-fds")
        let report = workspace.scratchFile("report.json")
        let run = try workspace.runTracer(
            ["--workspace", workspace.path] + output.map { $0 == "REPORT" ? report : $0 } + ["--", program, traced])
        #expect(run.status == 0, "\(run.diagnostics)")
        #expect(descriptors(traced) == descriptors(baseline), "descriptors the command got from the tracer")
    }

    @Test("a command that writes to fd 3 does not touch the report")
    func writesToFd3() throws {
        let workspace = try Workspace()
        let report = workspace.scratchFile("report.json")
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", report, "--",
             "/bin/sh", "-c", "echo not-a-report >&3 2>/dev/null; touch sub/a"],
            reportPath: report)
        try run.expectReport(Expected(writes: ["sub/a"], outputs: ["sub/a"]))
    }

    // The eBPF engine's loader runs a thread of its own (glibc then takes over its internal signals) and keeps
    // itself to one CPU while it loads: neither may reach the command.
    @Test("the command gets the tracer's signal mask, ignored signals, CPUs and environment, untouched")
    func signalStateAndEnvironment() throws {
        let workspace = try Workspace()
        let script = "grep -E '^(Sig(Blk|Ign)|Cpus_allowed_list)' /proc/self/status; env | LC_ALL=C sort"
        let untraced = try runProcess("/bin/sh", ["-c", script], in: workspace.path)
        let report = workspace.scratchFile("report.json")
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", report, "--", "/bin/sh", "-c", script],
            reportPath: report)
        #expect(run.status == 0, "\(run.diagnostics)")
        // The shell sets a few variables of its own (PWD, SHLVL, _); they come out the same both ways.
        #expect(run.process.stdoutText == untraced.stdoutText)
    }

    // The command's process reads a copy of its argv, environment and filter made for it in memory of its own
    // (cptrace_spawn). Sizes that make every string's place matter: 200 short variables of odd lengths, and one
    // whose length sweeps the total across a page's end, in every mode (the filter too: ptrace's, or eBPF's for
    // io_uring_setup). A copy that did not fit once made 1 start in 20 of node-ref fail, or lose its filter.
    @Test("the command starts, its filter installed, whatever the size of its environment",
          arguments: TracerMode.allCases)
    func environmentSizes(mode: TracerMode) throws {
        let workspace = try Workspace()
        var environment = ProcessInfo.processInfo.environment
        for index in 0..<200 { environment["IOTRACE_TEST_\(index)"] = String(repeating: "v", count: index % 13) }
        for fill in stride(from: 0, to: 4_096, by: 171) {
            environment["IOTRACE_TEST_FILL"] = String(repeating: "f", count: fill)
            let run = try workspace.runTracer(
                mode.options + ["--workspace", workspace.path, "-o", "/dev/null", "--", "/bin/sh", "-c",
                                "printf %s \"$IOTRACE_TEST_FILL\" | wc -c"],
                environment: environment)
            #expect(run.status == 0, "fill \(fill): \(run.diagnostics)")
            #expect(run.process.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "\(fill)",
                    "fill \(fill): \(run.diagnostics)")
            #expect(!run.process.stderrText.contains("refused"), "fill \(fill): \(run.diagnostics)")
        }
    }

    // The command's process shares the tracer's memory until its exec (cptrace_clone_sharing): it sets its own
    // dispositions with raw system calls, every handler of the tracer's back to the default, the signals the
    // tracer was started with ignored still ignored, as exec would leave them.
    @Test("signals the tracer was started with ignored stay ignored in the command", arguments: TracerMode.allCases)
    func ignoredSignalsReachTheCommand(mode: TracerMode) throws {
        let workspace = try Workspace()
        let show = "grep -E '^Sig(Blk|Ign)' /proc/self/status"
        // SIGHUP (1), SIGUSR1 (10) and SIGTERM (15) ignored by the shell that starts the tracer, or the command.
        let ignore = "trap '' HUP USR1 TERM; exec"
        let untraced = try runProcess("/bin/sh", ["-c", "\(ignore) /bin/sh -c \"\(show)\""], in: workspace.path)
        let ignored = untraced.stdoutText.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }
            .flatMap { UInt64($0.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16) }
        try #require(ignored.map { $0 & 0x4201 == 0x4201 } == true, "the baseline: \(untraced.stdoutText)")
        let report = workspace.scratchFile("report.json")
        let tracer = ([try Locations.iotrace()] + mode.options + ["--workspace", workspace.path, "--format", "json",
                                                                   "-o", report, "--"]).map { "'\($0)'" }
        let traced = try runProcess(
            "/bin/sh", ["-c", "\(ignore) \(tracer.joined(separator: " ")) /bin/sh -c \"\(show)\""],
            in: workspace.path)
        #expect(traced.status == 0, "\(traced.stderrText)")
        #expect(traced.stdoutText == untraced.stdoutText, "\(traced.stderrText)")
    }
}

/// -o FILE when FILE is not a regular file: the report must go into it, as a shell's `>` would, and FILE
/// must stay what it was (a FIFO, a device such as /dev/null, a link such as /dev/stdout).
@Suite("Report destinations", .serialized, .timeLimit(.minutes(2)))
struct ReportDestinationTests {
    @Test("-o FIFO writes the report into the FIFO and leaves it a FIFO")
    func fifo() throws {
        let workspace = try Workspace()
        let fifo = workspace.scratch + "/report.fifo"
        try #require(mkfifo(fifo, 0o644) == 0)
        // A reader that never blocks: the pipe holds a small report whole.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        try #require(reader >= 0)
        defer { close(reader) }
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", fifo, "--", try Fixture.path("touch"), "sub/a"])
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(reader, &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        #expect(run.status == 0, "\(run.diagnostics)")
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO,
                "the FIFO was replaced by a regular file (renamed over)")
        #expect((try? TraceReport(json: received))?.writes == ["sub/a"],
                "the FIFO's reader got: \(String(decoding: received, as: UTF8.self))")
    }

    @Test("-o LINK, LINK -> /proc/self/fd/1 (what /dev/stdout is): the report goes to stdout, the link stays")
    func linkToStdout() throws {
        let workspace = try Workspace()
        let link = workspace.scratch + "/stdout"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/proc/self/fd/1")
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", link, "--", try Fixture.path("touch"), "sub/a"])
        #expect(run.status == 0, "\(run.diagnostics)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == "/proc/self/fd/1",
                "the symlink was replaced by a regular file (renamed over)")
        #expect((try? TraceReport(json: run.process.stdout))?.writes == ["sub/a"],
                "stdout: \(run.process.stdoutText)")
    }
}
