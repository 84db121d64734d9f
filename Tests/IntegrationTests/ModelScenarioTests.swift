/// Issue 5, "How it is shown": each scenario of the richer model traced in every tracer mode, with the
/// report's path keys checked exactly. The calls PathCallsTests does not make come from Fixtures/c/
/// model_scenarios.c (one scenario per argument); the rest use real tools (sh, node).
import Foundation
import Testing
import TraceModel

/// One run of model_scenarios: what the test creates first, and the report it expects.
struct ModelScenario: Sendable, CustomTestStringConvertible {
    enum Setup: Sendable {
        case file(String)
        case directory(String)
        case symlink(String, to: String)
        /// A copy of Fixtures/c/touch.c's binary, executable.
        case touchTool(String)
        /// A symlink NAME in the workspace's sibling `scratch`, outside it, to a path inside it.
        case outsideLink(String, to: String)
    }

    let argument: String
    let setup: [Setup]
    let expected: Expected

    var testDescription: String { argument }

    func prepare(_ workspace: Workspace) throws {
        for step in setup {
            switch step {
            case .file(let path): try workspace.file(path)
            case .directory(let path): try workspace.directory(path)
            case .symlink(let path, let destination): try workspace.symlink(path, to: destination)
            case .touchTool(let path):
                try workspace.directory((path as NSString).deletingLastPathComponent)
                try FileManager.default.copyItem(atPath: try Fixture.path("touch"), toPath: workspace.absolute(path))
            case .outsideLink(let name, let destination):
                try FileManager.default.createSymbolicLink(atPath: workspace.scratch + "/" + name,
                                                           withDestinationPath: workspace.absolute(destination))
            }
        }
    }

    static let all: [ModelScenario] = [
        ModelScenario(
            argument: "calls",
            setup: [.file("sub/probe.txt"), .symlink("sub/link", to: "probe.txt"), .file("sub/del.txt"),
                    .directory("sub/deldir"), .file("sub/in.txt"), .file("sub/list/x"), .file("sub/list/y"),
                    .touchTool("sub/bin/tool"), .directory("sub/far"), .directory("sub/far-old"),
                    .outsideLink("far-link", to: "sub/far"), .outsideLink("far-old-link", to: "sub/far-old")],
            expected: Expected(
                // openat2 O_RDONLY
                reads: ["sub/in.txt"],
                // creat, and the tool run by execveat (which writes relative to sub/, its cwd)
                writes: ["sub/by-execveat.txt", "sub/created.txt"],
                // readlink, readlinkat, lstat of the link; newfstatat, statx, faccessat2 of the file
                probes: ["sub/link", "sub/probe.txt"],
                // execve, openat2 and statx that fail with ENOENT
                missing: ["sub/bin/no-such-tool", "sub/openat2-absent", "sub/statx-absent"],
                // unlinkat, and unlinkat with AT_REMOVEDIR
                deletes: ["sub/del.txt", "sub/deldir"],
                // execveat through an O_PATH dirfd (no listing)
                executed: ["sub/bin/tool"],
                // opendir + getdents64; getdents64 alone; getdents alone where the ABI has it
                listed: hasOldGetdents ? ["sub/far", "sub/far-old", "sub/list"] : ["sub/far", "sub/list"],
                inputs: ["sub/bin/tool", "sub/in.txt"],
                outputs: ["sub/by-execveat.txt", "sub/created.txt"])),
        ModelScenario(
            argument: "renames",
            setup: [.file("sub/src.txt"), .file("sub/dst.txt"), .file("sub/dir/inner.txt"), .file("sub/x.txt"),
                    .file("sub/y.txt")],
            expected: Expected(
                // the target over an existing file, the directory's new name, both names exchanged
                writes: ["sub/dir2", "sub/dst.txt", "sub/x.txt", "sub/y.txt"],
                // the sources; RENAME_EXCHANGE deletes nothing. The file inside the directory is not reported
                // under either name: no call named it.
                deletes: ["sub/dir", "sub/src.txt"],
                // a rename is a write of its target, never a read: nothing is an input
                outputs: ["sub/dir2", "sub/dst.txt", "sub/x.txt", "sub/y.txt"])),
        ModelScenario(
            argument: "temp",
            setup: [.file("sub/rw.txt")],
            expected: Expected(
                reads: ["sub/rw.txt", "sub/tmp.txt", "sub/wr.txt"],
                // linked.txt: the O_TMPFILE file's name given by linkat (the O_TMPFILE open itself is neither)
                writes: ["sub/linked.txt", "sub/rw.txt", "sub/tmp.txt", "sub/wr.txt"],
                deletes: ["sub/tmp.txt"],
                // rw.txt was read before it was written; tmp.txt and wr.txt were written first
                inputs: ["sub/rw.txt"],
                // tmp.txt was deleted after its last write: a temporary, in neither inputs nor outputs
                outputs: ["sub/linked.txt", "sub/rw.txt", "sub/wr.txt"])),
        ModelScenario(
            argument: "broken",
            setup: [.symlink("sub/dangling", to: "nowhere")],
            expected: Expected(
                // lstat and readlink find the link itself
                probes: ["sub/dangling"],
                // stat and open follow it to nothing: ENOENT, reported under the link's name
                missing: ["sub/dangling"])),
        ModelScenario(
            argument: "sync",
            setup: [.file("sub/ds.txt"), .file("sub/both.txt")],
            expected: Expected(
                // O_RDONLY|O_DSYNC and O_RDWR|O_SYNC read
                reads: ["sub/both.txt", "sub/ds.txt"],
                // O_WRONLY|O_CREAT|O_SYNC and O_RDWR|O_SYNC write
                writes: ["sub/both.txt", "sub/s.txt"],
                inputs: ["sub/both.txt", "sub/ds.txt"],
                outputs: ["sub/both.txt", "sub/s.txt"])),
    ]
}

private let node = Locations.onPath("node")

/// Whether the native ABI has the old getdents (x86_64 does; aarch64 has only getdents64).
#if arch(x86_64)
private let hasOldGetdents = true
#else
private let hasOldGetdents = false
#endif

@Suite("Model scenarios", .serialized, .timeLimit(.minutes(5)))
struct ModelScenarioTests {
    @Test("model_scenarios: every key exact", arguments: ModelScenario.all, TracerMode.allCases)
    func scenario(_ scenario: ModelScenario, mode: TracerMode) throws {
        let workspace = try Workspace()
        try scenario.prepare(workspace)
        let run = try workspace.trace([try Fixture.path("model_scenarios"), scenario.argument], mode: mode)
        try run.expectReport(scenario.expected)
        if run.process.stderrText.contains("faccessat2: ENOSYS") {
            print("faccessat2 is not in this kernel (before 5.8): its probe was not exercised")
        }
    }

    @Test("a statically linked program (gcc -static): the same reports", arguments: ModelScenario.all.filter {
        ["calls", "renames", "temp", "broken"].contains($0.argument)
    }, TracerMode.allCases)
    func staticallyLinked(_ scenario: ModelScenario, mode: TracerMode) throws {
        let binary: String
        do {
            binary = try Fixture.path("model_scenarios", build: .staticLinked)
        } catch {
            // Said, and failed: libc.a belongs to this machine's toolchain (libc6-dev).
            Issue.record("cc -static failed; is glibc's libc.a installed (libc6-dev)? \(error)")
            return
        }
        let workspace = try Workspace()
        try scenario.prepare(workspace)
        let run = try workspace.trace([binary, scenario.argument], mode: mode)
        try run.expectReport(scenario.expected)
    }

    /// Where the kernel has no sched_prepare_exec (before 6.10; IOTRACE_BPF_NO_PREPARE_EXEC=1 leaves it out here),
    /// the eBPF engine learns a successful exec from its exec record alone: the kernel's copy of the name, relative
    /// to the cwd. That tells every exec of these scenarios but the execveat relative to a dirfd, which the kernel
    /// names /dev/fd/N/tool (the descriptor may be gone by then): left out, and said in a warning.
    @Test("eBPF without sched_prepare_exec (Linux before 6.10): the same reports, an execveat by dirfd warned about",
          arguments: ModelScenario.all)
    func withoutPrepareExec(_ scenario: ModelScenario) throws {
        let workspace = try Workspace()
        try scenario.prepare(workspace)
        let run = try Self.traceWithoutPrepareExec(workspace, [try Fixture.path("model_scenarios"), scenario.argument])
        guard scenario.argument == "calls" else {
            try run.expectReport(scenario.expected)
            return
        }
        let report = try run.report()
        var expected = scenario.expected
        expected.executed = []
        expected.inputs.removeAll { $0 == "sub/bin/tool" }
        for set in PathSet.allCases { #expect(report[set] == expected[set], "\(set.key)\n\(run.diagnostics)") }
        #expect(report.warnings == ["1 call named a path that could not be read or resolved; the report may miss them"],
                "\(run.diagnostics)")
    }

    @Test("eBPF without sched_prepare_exec: a relative exec of a #! script after cd, the same report as with it")
    func relativeExecWithoutPrepareExec() throws {
        let workspace = try Workspace()
        try workspace.file("in.txt")
        try workspace.file("sub/tool.sh", "#!/bin/sh\ncat ../in.txt > out.txt\n", permissions: 0o755)
        let command = ["/bin/sh", "-c", "cd sub && ./tool.sh && exec ./tool.sh"]
        // The shell's cd probes sub.
        let expected = Expected(reads: ["in.txt", "sub/tool.sh"], writes: ["sub/out.txt"], probes: ["sub"],
                                executed: ["sub/tool.sh"], inputs: ["in.txt", "sub/tool.sh"], outputs: ["sub/out.txt"])
        try workspace.trace(command, mode: .ebpf).expectReport(expected)
        try Self.traceWithoutPrepareExec(workspace, command).expectReport(expected)
    }

    /// The exec record's call number and ABI come from the registers after the new program is set up: across
    /// ABIs (a 64-bit program exec'ing a 32-bit one and back) they must still name the exec that was made.
    @Test("eBPF without sched_prepare_exec: execs across ABIs (x86_64 -> i386 -> x86_64), the same report",
          .enabled(if: Fixture.canBuildI386, "cc -m32 cannot build here (needs x86_64 and gcc-multilib)"))
    func execAcrossABIsWithoutPrepareExec() throws {
        let workspace = try Workspace()
        try workspace.file("in.txt")
        try FileManager.default.copyItem(atPath: try Fixture.path("exec_abi"), toPath: workspace.absolute("wide"))
        try FileManager.default.copyItem(atPath: try Fixture.path("exec_abi", build: .i386),
                                         toPath: workspace.absolute("narrow"))
        let command = ["./wide", "a64.txt", "./narrow", "b32.txt", "./wide", "c64.txt"]
        let written: [RawPath] = ["a64.txt", "b32.txt", "c64.txt"]
        // The command's own first exec is the tracer's, left out; the two the programs make are executed.
        let expected = Expected(reads: ["in.txt"], writes: written, executed: ["narrow", "wide"],
                                inputs: ["in.txt", "narrow", "wide"], outputs: written)
        try workspace.trace(command, mode: .ebpf).expectReport(expected)
        try Self.traceWithoutPrepareExec(workspace, command).expectReport(expected)
    }

    private static func traceWithoutPrepareExec(_ workspace: Workspace, _ command: [String]) throws -> TraceRun {
        var environment = ProcessInfo.processInfo.environment
        environment["IOTRACE_BPF_NO_PREPARE_EXEC"] = "1"
        let report = workspace.scratchFile("report.json")
        let arguments = ["--workspace", workspace.path, "--format", "json", "-o", report] + TracerMode.ebpf.options
            + ["--"] + command
        return try workspace.runTracer(arguments, reportPath: report, environment: environment)
    }

    @Test("a PATH search: the shell's misses are missing; the tracer's own search for the command is left out",
          arguments: TracerMode.allCases)
    func pathSearch(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.directory("bin1")
        try workspace.directory("bin2")
        try FileManager.default.copyItem(atPath: try Fixture.path("touch"), toPath: workspace.absolute("bin2/tool"))
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = workspace.absolute("bin1") + ":" + workspace.absolute("bin2") + ":/usr/bin:/bin"

        // The tracer finds `sh` on PATH itself (bin1/sh and bin2/sh do not exist): its spawn is not traced.
        // The shell then looks for `tool`: bin1/tool is missing, bin2/tool is found (dash stats it first,
        // bash too) and executed.
        let report = workspace.scratchFile("report.json")
        let run = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", report] + mode.options
                + ["--", "sh", "-c", "tool made.txt"],
            reportPath: report, environment: environment)
        try run.expectReport(Expected(writes: ["made.txt"], probes: ["bin2/tool"], missing: ["bin1/tool"],
            executed: ["bin2/tool"], inputs: ["bin2/tool"], outputs: ["made.txt"]))

        // The command itself found in bin2 by the tracer: bin1/tool is no miss, bin2/tool no exec of the
        // command's (it is `command`).
        let directReport = workspace.scratchFile("report.json")
        let direct = try workspace.runTracer(
            ["--workspace", workspace.path, "--format", "json", "-o", directReport] + mode.options
                + ["--", "tool", "direct.txt"],
            reportPath: directReport, environment: environment)
        try direct.expectReport(Expected(writes: ["direct.txt"], outputs: ["direct.txt"]))

        // execvp's search by a traced program (env), for a shell copied into the workspace: the miss in bin1
        // is missing, the shell and the tool it finds are both executed, neither read.
        let shell = URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().path
        try FileManager.default.copyItem(atPath: shell, toPath: workspace.absolute("bin2/wsh"))
        let search = "PATH=" + environment["PATH"]!
        let viaEnv = try workspace.trace(["/usr/bin/env", search, "wsh", "-c", "tool env.txt"], mode: mode)
        try viaEnv.expectReport(Expected(
            writes: ["env.txt"],
            // the shell stats tool before it runs it; env's execvp runs wsh without a stat
            probes: ["bin2/tool"], missing: ["bin1/tool", "bin1/wsh"], executed: ["bin2/tool", "bin2/wsh"],
            inputs: ["bin2/tool", "bin2/wsh"], outputs: ["env.txt"]))
    }

    @Test("a script run through its #! line, its interpreter a script in the workspace too",
          arguments: TracerMode.allCases)
    func shebangChain(mode: TracerMode) throws {
        let workspace = try Workspace()
        // run.sh names interp.sh by its absolute path, rel.sh by a path relative to the caller's cwd (sub/);
        // interp.sh's own interpreter, /bin/sh, is outside the workspace and so not reported.
        try workspace.file("sub/interp.sh", "#!/bin/sh\nexec /bin/sh \"$@\"\n", permissions: 0o755)
        try workspace.file("sub/run.sh", "#! \(workspace.absolute("sub/interp.sh")) -x\n: > out.txt\n",
                           permissions: 0o755)
        try workspace.file("sub/rel.sh", "#!./interp.sh\n: > rel-out.txt\n", permissions: 0o755)
        let run = try workspace.trace(["/bin/sh", "-c", "sub/run.sh && cd sub && ./rel.sh"], mode: mode)
        try run.expectReport(Expected(
            // each script is read by the shell that runs it
            reads: ["sub/interp.sh", "sub/rel.sh", "sub/run.sh"],
            writes: ["out.txt", "sub/rel-out.txt"],
            // the shell's `cd sub` stats it
            probes: ["sub"],
            // the scripts exec'd by name, and the interpreter the kernel opened for them
            executed: ["sub/interp.sh", "sub/rel.sh", "sub/run.sh"],
            inputs: ["sub/interp.sh", "sub/rel.sh", "sub/run.sh"],
            outputs: ["out.txt", "sub/rel-out.txt"]))
        #expect(workspace.exists("out.txt") && workspace.exists("sub/rel-out.txt"), "\(run.diagnostics)")
    }

    /// PathCallsTests.removeTree checks the listings and deletes; this checks every other key too. python3 is
    /// run by its real path (sys.executable), not through a version manager's shim, whose own lookups
    /// (pyenv's `.python-version` in the cwd) are no part of shutil's.
    @Test("rm -rf and shutil.rmtree, every key: listings, deletes and the stat of each directory, nothing read",
          arguments: ["rm", "python3"], TracerMode.allCases)
    func removeTree(tool: String, mode: TracerMode) throws {
        var command = ["rm", "-rf", "sub/tree"]
        if tool == "python3" {
            guard let python = Locations.onPath("python3") else {
                print("python3 is not on PATH: shutil.rmtree not checked")
                return
            }
            let found = try runProcess(python, ["-S", "-c", "import sys; print(sys.executable)"], in: "/")
            let executable = found.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            try #require(found.status == 0 && executable.hasPrefix("/"), "sys.executable: \(found.stderrText)")
            command = [executable, "-S", "-c", "import shutil; shutil.rmtree('sub/tree')"]
        }
        let workspace = try Workspace()
        try workspace.file("sub/tree/a.txt")
        try workspace.file("sub/tree/deep/b.txt")
        let run = try workspace.trace(command, mode: mode)
        try run.expectReport(Expected(
            // each directory is lstat-ed (fstatat with AT_SYMLINK_NOFOLLOW) before it is opened and listed
            probes: ["sub/tree", "sub/tree/deep"],
            deletes: ["sub/tree", "sub/tree/a.txt", "sub/tree/deep", "sub/tree/deep/b.txt"],
            listed: ["sub/tree", "sub/tree/deep"]))
        #expect(!workspace.exists("sub/tree"), "\(run.diagnostics)")
    }

    @Test("node resolving a module that is not there: each name it tried is missing",
          .enabled(if: node != nil, "node not found on PATH: module resolution not checked"),
          arguments: TracerMode.allCases)
    func nodeMissingModule(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace(["node", "-e", "try{require('./nope')}catch{}"], mode: mode)
        // `missing` depends on node's version (below); every other set is empty.
        let report = try run.expectReport(Expected(unchecked: [.missing]))
        // Module._findPath stats ./nope, then each extension in Module._extensions, then ./nope/ as a
        // package (its stat already failed, so nothing under it is tried).
        let tried = report.missing.filter { $0.bytes.starts(with: Array("nope".utf8)) }
        #expect(tried == ["nope", "nope.js", "nope.json", "nope.node"], "\(run.diagnostics)")
        // Besides: the package scope lookup for the eval'd code reads package.json upwards from the cwd (node
        // 20 and 22); the workspace has none.
        let others = report.missing.filter { !tried.contains($0) }
        #expect(others == [] || others == ["package.json"], "\(run.diagnostics)")
    }
}
