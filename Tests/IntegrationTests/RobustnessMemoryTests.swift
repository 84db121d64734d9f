/// Issue 4, point 5: memory stays bounded. Per-task state is freed when a task exits, and the report's own
/// sets are the only thing that grows with the work. The tracer's peak RSS (VmHWM of the iotrace-native
/// process alone, not its tracees) is measured on a trivial run, on 100,000 distinct paths and on 10,000
/// short processes, for the debug build `swift test` uses and for the static release binary of
/// Scripts/build-static.sh (built once per test process, see StaticBinaryTests), printed (the README
/// documents the figures), and held to bounds set with margin above what was measured. VmHWM includes the
/// mapped pages of the executable itself (7 to 12 MiB of the static binary, depending on the page cache), so
/// the largest RssAnon seen (the tracer's own heap) is printed too, and the per-task check holds both.
///
/// | workload | bound |
/// |---|---|
/// | 100,000 distinct paths written | 48 MiB |
/// | 10,000 short processes, 2 at a time, each writing its own file | 32 MiB, and at most 8 MiB above a trivial run |
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A workspace on tmpfs (/dev/shm) when there is one, so that creating 100,000 files costs the tracer's
/// time, not the disk's. Removed on deinit.
final class MemoryWorkspace {
    let path: String

    init() throws {
        var isDirectory: ObjCBool = false
        let onTmpfs = FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory)
            && isDirectory.boolValue && access("/dev/shm", W_OK) == 0
        let base = onTmpfs ? "/dev/shm" : "/tmp"
        var template = Array("\(base)/iotrace-it-memory.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp in \(base)") }
        path = String(cString: made)
        try FileManager.default.createDirectory(atPath: path + "/sub", withIntermediateDirectories: true)
    }

    deinit {
        if ProcessInfo.processInfo.environment["IOTRACE_KEEP_WORKSPACES"] == nil { removeTreeInPlace(path) }
    }
}

/// Which iotrace-native is measured.
enum MeasuredBuild: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case debug = "the swift test build"
    case staticRelease = "the static release binary"

    func executable() throws -> String {
        switch self {
        case .debug: return try Locations.iotrace()
        case .staticRelease: return try StaticBinary.path()
        }
    }

    var testDescription: String { rawValue }
}

@Suite("Robustness: memory", .serialized, .timeLimit(.minutes(5)))
struct RobustnessMemoryTests {
    /// Traces `command` with `build` in a fresh tmpfs workspace and returns the run and the tracer's peak RSS.
    private func measure(_ build: MeasuredBuild, _ engine: TracerMode, _ command: [String], timeout: Double) throws
        -> (TraceRun, PeakRSSProbe)
    {
        let workspace = try Workspace()
        let memoryWorkspace = try MemoryWorkspace()
        let report = workspace.scratchFile("report.json")
        let probe = PeakRSSProbe()
        let arguments = ["--workspace", memoryWorkspace.path, "--format", "json", "-o", report] + engine.options
            + ["--"] + command
        let result = try runProcess(try build.executable(), arguments, in: memoryWorkspace.path, timeout: timeout) {
            probe.poll($0, timeout: timeout)
        }
        #expect(probe.samples > 0, "VmHWM was never read")
        let run = TraceRun(arguments: arguments, process: result,
                           reportBytes: FileManager.default.contents(atPath: report).map { Array($0) })
        return (run, probe)
    }

    private func describe(_ build: MeasuredBuild, _ what: String, _ run: TraceRun, _ probe: PeakRSSProbe) -> String {
        "PEAK RSS of iotrace-native \(run.arguments.contains("ebpf") ? "--engine ebpf" : "--engine ptrace"), "
            + "\(build.rawValue) (\((try? build.executable()) ?? "?")), \(what): "
            + String(format: "VmHWM %.1f MiB (%d kB), largest RssAnon seen %.1f MiB; %.2f s, %d samples",
                     probe.mebibytes, probe.kilobytes, probe.anonymousMebibytes, run.process.duration, probe.samples)
    }

    /// The fixed cost (runtime, binary, buffers): one file, then 200 ms asleep so that the polling sees it.
    private func baseline(_ build: MeasuredBuild, _ engine: TracerMode) throws -> PeakRSSProbe {
        let (run, probe) = try measure(build, engine, [try Fixture.path("many_files"), "1", "200"], timeout: 20)
        try run.expectReport(Expected(writes: ["sub/f-000000"], outputs: ["sub/f-000000"]))
        print(describe(build, "a trivial run (1 file)", run, probe))
        return probe
    }

    @Test("a run with 100,000 distinct paths stays within 48 MiB (ptrace) or 48 MiB plus the ring buffer (eBPF)",
          arguments: MeasuredBuild.allCases, [TracerMode.seccompSyscallInfo, .ebpf])
    func manyPaths(build: MeasuredBuild, engine: TracerMode) throws {
        let base = try baseline(build, engine)
        let count = 100_000
        let (run, probe) = try measure(build, engine, [try Fixture.path("many_files"), String(count)], timeout: 150)
        print(describe(build, "100,000 distinct paths written", run, probe))
        #expect(!run.process.timedOut, "\(run.diagnostics.prefix(2_000))")
        #expect(run.status == 0, "\(run.process.stderrText)")
        let report = try run.report()
        #expect(report.writes.count == count)
        #expect(report.writes == (0..<count).map { RawPath("sub/f-" + String($0).leftPadded(to: 6)) })
        #expect(report.reads.isEmpty)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(probe.mebibytes <= 48 + engine.ringBufferMebibytes,
                "peak RSS \(probe.mebibytes) MiB (baseline \(base.mebibytes) MiB)")
    }

    @Test("""
          a run with 10,000 short processes stays within 32 MiB (plus the eBPF ring buffer) and 8 MiB above a \
          trivial run
          """,
          arguments: MeasuredBuild.allCases, [TracerMode.seccompSyscallInfo, .ebpf])
    func manyProcesses(build: MeasuredBuild, engine: TracerMode) throws {
        let base = try baseline(build, engine)
        let count = 10_000
        let (run, probe) = try measure(build, engine, [try Fixture.path("many_children"), String(count), "2"],
                                       timeout: 150)
        print(describe(build, "10,000 short processes (2 at a time, one file each)", run, probe))
        #expect(!run.process.timedOut, "\(run.diagnostics.prefix(2_000))")
        #expect(run.status == 0, "\(run.process.stderrText)")
        let report = try run.report()
        #expect(report.writes == (0..<count).map { RawPath("sub/c-" + String($0).leftPadded(to: 5) + ".txt") })
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(probe.mebibytes <= 32 + engine.ringBufferMebibytes, "peak RSS \(probe.mebibytes) MiB")
        // Per-task state is freed as tasks exit: 10,000 of them (and their 10,000 short paths) cost little.
        #expect(probe.mebibytes - base.mebibytes <= 8,
                "peak RSS \(probe.mebibytes) MiB, \(probe.mebibytes - base.mebibytes) MiB above a trivial run")
        let anonymousGrowth = probe.anonymousMebibytes - base.anonymousMebibytes
        #expect(anonymousGrowth <= 8,
                "RssAnon \(probe.anonymousMebibytes) MiB, \(anonymousGrowth) MiB above a trivial run")
    }
}

extension TracerMode {
    /// What the eBPF engine's ring buffer may add to the tracer's resident size: its 1 MiB of data pages are
    /// mapped twice (libbpf maps them back to back, so a record never wraps), and both mappings count. Records
    /// the drainer has taken out and the reader not yet handled are the tracer's own memory, within the rest.
    var ringBufferMebibytes: Double { self == .ebpf ? 2 : 0 }
}
