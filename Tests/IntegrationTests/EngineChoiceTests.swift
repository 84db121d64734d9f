/// Issue 13, point 7: `--engine auto|ebpf|ptrace`. Where the eBPF program cannot load (bpf(2) refused, as a
/// container's default seccomp profile refuses it), `auto` traces with ptrace and `ebpf` is exit 125 with one
/// line saying why; the JSON report names the engine; nothing of ours stays attached after a trace.
import Foundation
import Testing

@Suite("Engines: choosing one, and what each leaves behind", .serialized, .timeLimit(.minutes(2)))
struct EngineChoiceTests {
    /// The tracer under `seccomp_deny bpf`: bpf(2) fails with EPERM for it and all it starts.
    private func traceWithoutBPF(_ engine: String, _ workspace: Workspace) throws -> TraceRun {
        let report = workspace.scratchFile("report-\(engine).json")
        let arguments = ["bpf", try Locations.iotrace(), "--engine", engine, "--workspace", workspace.path,
                         "--format", "json", "-o", report, "--", try Fixture.path("touch"), "marker-\(engine)"]
        let result = try runProcess(try Fixture.path("seccomp_deny"), arguments, in: workspace.path, timeout: 30)
        return TraceRun(arguments: arguments, process: result,
                        reportBytes: FileManager.default.contents(atPath: report).map { Array($0) })
    }

    @Test("eBPF refused: --engine ebpf is exit 125 with one line and runs nothing; auto traces with ptrace")
    func ebpfRefused() throws {
        let workspace = try Workspace()
        let forced = try traceWithoutBPF("ebpf", workspace)
        #expect(forced.status == 125, "\(forced.diagnostics)")
        let lines = forced.process.stderrText.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == 1, "\(forced.diagnostics)")
        #expect(lines.first?.hasPrefix("iotrace-native: the eBPF engine cannot run here") == true,
                "\(forced.diagnostics)")
        #expect(lines.first?.contains("--engine ptrace") == true, "\(forced.diagnostics)")
        #expect(!workspace.exists("marker-ebpf"), "the command ran although it could not be traced")
        #expect(forced.reportBytes == nil)

        let automatic = try traceWithoutBPF("auto", workspace)
        #expect(automatic.status == 0, "\(automatic.diagnostics)")
        let report = try automatic.expectReport(Expected(writes: ["marker-auto"], outputs: ["marker-auto"]))
        #expect(report.engine == "ptrace", "\(automatic.diagnostics)")
    }

    // The CLI begins the program's load before it opens the report's file (TraceOptions.beginEBPFLoad): a trace
    // that then fails to start lets go of that load (its helper thread stopped and joined) instead of hanging.
    @Test("a load begun ahead and not used: the report's file cannot be opened, exit 125 at once, nothing run",
          arguments: ["ebpf", "auto"])
    func loadBegunAndAbandoned(engine: String) throws {
        let workspace = try Workspace()
        let started = Date()
        let run = try workspace.runTracer(["--engine", engine, "-o", workspace.path + "/missing/report.txt", "--",
                                           try Fixture.path("touch"), "marker"], timeout: 20)
        #expect(run.status == 125, "\(run.diagnostics)")
        let lines = run.process.stderrText.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == 1 && lines[0].contains("cannot write the report"), "\(run.diagnostics)")
        #expect(!workspace.exists("marker"), "the command ran")
        #expect(Date().timeIntervalSince(started) < 5, "took \(Date().timeIntervalSince(started)) s")
    }

    @Test("the JSON report names the engine that ran", arguments: TracerMode.allCases)
    func engineNamed(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("touch"), "made"], mode: mode)
        let report = try run.expectReport(Expected(writes: ["made"], outputs: ["made"]))
        #expect(report.engine == (mode.isPtrace ? "ptrace" : "ebpf"), "\(run.diagnostics)")
    }

    @Test("a ring buffer too small for the run: every lost record counted, the report warns, --stats says so")
    func lossesAreWarned() throws {
        let workspace = try Workspace()
        // Each level adds 201 bytes to the current directory: past 20 levels a relative call's record (its base
        // directory is the whole cwd) is larger than a 4 KiB ring buffer can ever hold, however fast the reader.
        let name = String(repeating: "x", count: 200)
        let script = "i=0; while [ $i -lt 25 ]; do mkdir \(name); cd \(name); i=$((i+1)); done; : > made.txt"
        let run = try workspace.trace(["/bin/sh", "-c", script], mode: .ebpf,
                                      options: ["--ring-buffer-bytes", "4096", "--stats"])
        #expect(run.status == 0, "\(run.diagnostics)")
        let report = try run.report()
        #expect(!report.writes.contains { $0.description.hasSuffix("made.txt") }, "\(run.diagnostics)")
        let warning = report.warnings.first { $0.contains("lost") }
        #expect(warning?.contains("ring buffer or its tables were full") == true, "\(report.warnings)")
        let (line, numbers) = try run.stats()
        try #require(line.contains("stats: eBPF") && numbers.count == 5, "\(line)")
        #expect(numbers[1] > 0, "no lost record counted: \(line)")
        #expect(warning?.contains(String(numbers[1])) == true, "the warning's count is the counter's: \(line)")
    }

    /// A trace with libbpf's log on (IOTRACE_BPF_LOG=1), and IOTRACE_BPF_WHOLE_BTF=1 when `whole`: the run,
    /// and the log's "patched insn" lines, each CO-RE relocation's result.
    /// `cache`: the directory the kernel's BTF cut is kept in (IOTRACE_BPF_BTF_CACHE), or none kept.
    private func traceLogged(whole: Bool, cache: String? = nil, _ workspace: Workspace) throws
        -> (run: TraceRun, patches: Set<Substring>) {
        var environment = ProcessInfo.processInfo.environment
        environment["IOTRACE_BPF_LOG"] = "1"
        environment["IOTRACE_BPF_WHOLE_BTF"] = whole ? "1" : nil
        environment["IOTRACE_BPF_BTF_CACHE"] = cache ?? "off"
        let report = workspace.scratchFile("report.json")
        let arguments = ["--workspace", workspace.path, "--format", "json", "-o", report] + TracerMode.ebpf.options
            + ["--", "/bin/sh", "-c", "cd sub && cat ../in.txt > out.txt"]
        let run = try workspace.runTracer(arguments, reportPath: report, environment: environment)
        // "prog 'NAME': relo #N: patched insn ...", as a set: the program's copies load on two threads at once,
        // and each relocates the functions its own programs call.
        let patches = run.process.stderrText.split(separator: "\n").filter { $0.contains("patched insn") }
            .map { $0[($0.range(of: "prog '")?.lowerBound ?? $0.startIndex)...] }
        return (run, Set(patches))
    }

    /// A workspace for `traceLogged`'s command: in.txt to read, sub/ to write out.txt in.
    private func cutCommandWorkspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.file("in.txt", "input")
        try workspace.directory("sub")
        return workspace
    }

    /// What every trace of `traceLogged`'s command reports.
    private static let cutCommandReport = Expected(reads: ["in.txt"], writes: ["sub/out.txt"], inputs: ["in.txt"],
                                                   outputs: ["sub/out.txt"])

    // kernel_btf.c: libbpf relocates against the kernel's BTF cut down to the structures the program declares
    // (it saves about 20 ms of each start); with IOTRACE_BPF_WHOLE_BTF=1, or when a load against the cut one
    // fails, against the whole of /sys/kernel/btf/vmlinux. Both must give every relocation the same result.
    @Test("the kernel BTF cut down to what the program reads relocates every field as the whole BTF does")
    func cutKernelBTF() throws {
        let workspace = try cutCommandWorkspace()
        let cut = try traceLogged(whole: false, workspace)
        let whole = try traceLogged(whole: true, workspace)
        #expect(!cut.run.process.stderrText.contains("loading kernel BTF '/sys/kernel/btf/vmlinux'"),
                "libbpf read the whole kernel BTF although a cut one was given\n\(cut.run.diagnostics)")
        #expect(whole.run.process.stderrText.contains("loading kernel BTF '/sys/kernel/btf/vmlinux'"),
                "\(whole.run.diagnostics)")
        #expect(cut.patches.count > 50, "too few relocations in libbpf's log: \(cut.patches.count)")
        #expect(cut.patches == whole.patches)
        for run in [cut.run, whole.run] { _ = try run.expectReport(Self.cutCommandReport) }
    }

    /// The entries of a BTF cache directory (btf_cache.c), by path.
    private func cacheEntries(_ directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("kernel-btf-") }.map { directory + "/" + $0 }
    }

    // btf_cache.c: the cut is kept between traces (one entry per boot, program and cut version) in a directory of
    // this user's alone. A kept cut relocates every field as a fresh one; an entry that is not a BTF is cut
    // again; a BTF that a load fails with (none of the program's structures in it) is removed, and that trace
    // falls back to the kernel's whole BTF. Every one of them reports the same.
    @Test("the kernel BTF cut is kept between traces; a damaged entry is cut again, one a load fails with removed")
    func keptKernelBTF() throws {
        let workspace = try cutCommandWorkspace()
        let cache = workspace.scratchFile("btf-cache")
        let fresh = try traceLogged(whole: false, cache: cache, workspace)
        let entries = cacheEntries(cache)
        try #require(entries.count == 1, "entries after the first trace: \(entries)\n\(fresh.run.diagnostics)")
        let entry = entries[0]
        let made = try #require(FileManager.default.contents(atPath: entry))
        #expect(Array(made.prefix(2)) == [0x9F, 0xEB], "not a BTF (its magic, little-endian)")
        let attributes = try FileManager.default.attributesOfItem(atPath: cache)
        #expect((attributes[.posixPermissions] as? Int) == 0o700, "the cache directory is made this user's alone")

        let kept = try traceLogged(whole: false, cache: cache, workspace)
        #expect(kept.patches == fresh.patches && fresh.patches.count > 50)
        #expect(!kept.run.process.stderrText.contains("loading kernel BTF '/sys/kernel/btf/vmlinux'"))

        try Data("not a BTF".utf8).write(to: URL(fileURLWithPath: entry))
        let damaged = try traceLogged(whole: false, cache: cache, workspace)
        #expect(damaged.patches == fresh.patches)
        #expect(FileManager.default.contents(atPath: entry) == made, "a damaged entry is cut again and kept")

        // A whole BTF of one type, `int`: libbpf finds none of the structures the program reads in it.
        var onlyInt: [UInt8] = [0x9F, 0xEB, 1, 0] + [24, 0, 0, 0] + [0, 0, 0, 0] + [16, 0, 0, 0] + [16, 0, 0, 0]
            + [5, 0, 0, 0]
        onlyInt += [1, 0, 0, 0] + [0, 0, 0, 1] + [4, 0, 0, 0] + [32, 0, 0, 0] + Array("\0int\0".utf8)
        try Data(onlyInt).write(to: URL(fileURLWithPath: entry))
        let wrong = try traceLogged(whole: false, cache: cache, workspace)
        #expect(wrong.run.process.stderrText.contains("loading kernel BTF '/sys/kernel/btf/vmlinux'"),
                "a load that failed with the kept cut falls back to the whole BTF\n\(wrong.run.diagnostics)")
        #expect(wrong.patches.isSuperset(of: fresh.patches))
        #expect(!FileManager.default.fileExists(atPath: entry), "the entry a load failed with is removed")
        for run in [fresh.run, kept.run, damaged.run, wrong.run] { _ = try run.expectReport(Self.cutCommandReport) }
    }

    @Test("a BTF cache directory that others may write to is not used")
    func sharedCacheDirectoryUnused() throws {
        let workspace = try cutCommandWorkspace()
        let cache = workspace.scratchFile("shared-btf-cache")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o777])
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: cache)
        let run = try traceLogged(whole: false, cache: cache, workspace)
        #expect(cacheEntries(cache).isEmpty, "a cut was kept where others may write")
        _ = try run.run.expectReport(Self.cutCommandReport)
    }

    // loader.c loads the program's copies on two threads, one per CPU, where the tracer may run on two CPUs or
    // more; on one, a single copy on one thread. Both ways must trace the same.
    @Test("on one CPU the program loads as one copy, on two as two, and both trace the same", arguments: [1, 2])
    func loadsOnEveryCPU(cpus: Int) throws {
        guard let taskset = Locations.onPath("taskset") else {
            cannotRunHere("taskset is not installed: the tracer cannot be kept to one CPU")
            return
        }
        let allowed = try allowedCPUs()
        guard cpus == 1 || allowed >= 2 else {
            cannotRunHere("this process may run on one CPU only: the two-copy load cannot happen here")
            return
        }
        let workspace = try Workspace()
        try workspace.file("in.txt", "input")
        let report = workspace.scratchFile("report.json")
        var environment = ProcessInfo.processInfo.environment
        environment["IOTRACE_BPF_LOG"] = "1"
        let arguments = ["--workspace", workspace.path, "--format", "json", "-o", report] + TracerMode.ebpf.options
            + ["--", "/bin/sh", "-c", "cat in.txt > out.txt"]
        let cpuList = cpus == 1 ? "0" : "0-\(cpus - 1)"
        let process = try runProcess(taskset, ["-c", cpuList, try Locations.iotrace()] + arguments,
                                     in: workspace.path, environment: environment)
        let run = TraceRun(arguments: arguments, process: process,
                           reportBytes: FileManager.default.contents(atPath: report).map { Array($0) })
        try run.expectReport(Expected(reads: ["in.txt"], writes: ["out.txt"], inputs: ["in.txt"],
                                      outputs: ["out.txt"]))
        let copies = process.stderrText.components(separatedBy: "loading object 'iotrace'").count - 1
        #expect(copies == cpus, "libbpf opened the object \(copies) times\n\(run.diagnostics)")
    }

    // The eBPF engine traces in the launched process (no monitor: see DaemonHandOff): the programs are held by it
    // and by its guard, a child of it.
    @Test("no program of ours stays attached after a trace, and two traces at once keep apart")
    func nothingLeftAttached() throws {
        guard let bpftool = Locations.onPath("bpftool") else {
            cannotRunHere("bpftool is not installed: whether a program is still loaded cannot be asked")
            return
        }
        let workspace = try Workspace()
        try workspace.file("a/in.txt")
        try workspace.file("b/in.txt")
        // Two traces at once, each of its own directory's file: neither sees the other's calls.
        var second: TraceRun?
        var loaded: Set<Int> = []
        let first = try workspace.trace(["/bin/sh", "-c", "sleep 1; cat a/in.txt > a/out.txt"], mode: .ebpf) { tracer in
            try waitUntil("the first trace's programs", seconds: 5) {
                loaded = programs(heldBy: tracer, bpftool)
                return !loaded.isEmpty
            }
            second = try workspace.trace(["/bin/sh", "-c", "cat b/in.txt > b/out.txt"], mode: .ebpf)
        }
        try first.expectReport(Expected(reads: ["a/in.txt"], writes: ["a/out.txt"], inputs: ["a/in.txt"],
                                        outputs: ["a/out.txt"]))
        let other = try #require(second)
        try other.expectReport(Expected(reads: ["b/in.txt"], writes: ["b/out.txt"], inputs: ["b/in.txt"],
                                        outputs: ["b/out.txt"]))
        // Freed after an RCU grace period: give the kernel a moment.
        try? waitUntil("the programs to go", seconds: 3) { loaded.allSatisfy { !isLoaded($0, bpftool) } }
        #expect(loaded.allSatisfy { !isLoaded($0, bpftool) }, "programs \(loaded) still loaded after the trace")
    }

    /// How many CPUs this process may run on: its Cpus_allowed_list ("0-1", "0,2-3").
    private func allowedCPUs() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let list = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }?
            .split(separator: "\t").last ?? ""
        return list.split(separator: ",").reduce(0) { count, range in
            let bounds = range.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            return count + (bounds.count == 2 ? bounds[1] - bounds[0] + 1 : bounds.count)
        }
    }

    /// The ids of the BPF programs whose links or descriptors process `pid` or one of its children holds, from
    /// /proc/PID/fdinfo (a BPF link's or program's fdinfo has a `prog_id:` line).
    private func programs(heldBy pid: pid_t, _ bpftool: String) -> Set<Int> {
        var ids: Set<Int> = []
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        for holder in [Int(pid)] + children.split(separator: " ").compactMap({ Int($0) }) {
            let directory = "/proc/\(holder)/fdinfo"
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                guard let info = try? String(contentsOfFile: "\(directory)/\(fd)", encoding: .utf8) else { continue }
                for line in info.split(separator: "\n") where line.hasPrefix("prog_id:") {
                    if let id = Int(line.dropFirst("prog_id:".count).trimmingCharacters(in: .whitespaces)) {
                        ids.insert(id)
                    }
                }
            }
        }
        return ids
    }

    private func isLoaded(_ id: Int, _ bpftool: String) -> Bool {
        (try? runProcess(bpftool, ["prog", "show", "id", String(id)], in: "/", timeout: 20).status) == 0
    }
}
