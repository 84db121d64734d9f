/// What the integration tests share: the executable under test, the C fixtures (compiled once per test
/// process), temporary workspaces, running the tracer with a deadline, and reading its report.
///
/// Set IOTRACE_KEEP_WORKSPACES=1 to keep each test's temporary directory for a look afterwards.
import Foundation
import Kernel
import Synchronization
import Testing
import TraceModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// MARK: - Tracer modes

/// The ways the tracer can follow a command: the ptrace engine's four (seccomp on and off, syscall-info and
/// register decoding) and the eBPF engine. Every tracing test runs in each and expects the same report (STYLE:
/// tests run the same cases in every mode; two engines, one truth). IOTRACE_TEST_MODES=ebpf (or a comma list
/// of `testDescription`s) narrows a run while working on one engine; the output says so.
enum TracerMode: CaseIterable, Sendable, CustomTestStringConvertible {
    case seccompSyscallInfo
    case steppingSyscallInfo
    case seccompRegisters
    case steppingRegisters
    case ebpf

    var options: [String] {
        switch self {
        case .seccompSyscallInfo: return ["--engine", "ptrace"]
        case .steppingSyscallInfo: return ["--engine", "ptrace", "--no-seccomp"]
        case .seccompRegisters: return ["--engine", "ptrace", "--decoding", "registers"]
        case .steppingRegisters: return ["--engine", "ptrace", "--no-seccomp", "--decoding", "registers"]
        case .ebpf: return ["--engine", "ebpf"]
        }
    }

    var isPtrace: Bool { self != .ebpf }

    var testDescription: String {
        switch self {
        case .seccompSyscallInfo: return "ptrace"
        case .ebpf: return "ebpf"
        default: return options.dropFirst(2).joined(separator: " ")
        }
    }

    static var allCases: [TracerMode] {
        let every: [TracerMode] = [.seccompSyscallInfo, .steppingSyscallInfo, .seccompRegisters, .steppingRegisters,
                                   .ebpf]
        guard let chosen = ProcessInfo.processInfo.environment["IOTRACE_TEST_MODES"] else { return every }
        let names = chosen.split(separator: ",").map(String.init)
        let modes = every.filter { names.contains($0.testDescription) }
        print("IOTRACE_TEST_MODES=\(chosen): tracing tests run in \(modes.map(\.testDescription)) only")
        return modes
    }
}

// MARK: - Locations

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Locations {
    /// The repository root, from this file's place in it (Tests/IntegrationTests/Harness.swift).
    static let repository: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static var fixtureSources: String { repository + "/Fixtures/c" }

    /// The iotrace-native executable that `swift build`/`swift test` put beside the test bundle (the
    /// IntegrationTests target depends on the executable target, so it is built first).
    static func iotrace() throws -> String {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "?"
        let candidate = (bundle as NSString).deletingLastPathComponent + "/iotrace-native"
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw HarnessError("""
                iotrace-native not found at \(candidate) (beside the test bundle \(bundle)); \
                build it with `swift build` using the same --scratch-path as `swift test`
                """)
        }
        return candidate
    }

    /// The first executable named `name` on PATH, as execvp would find it.
    static func onPath(_ name: String) -> String? { Files.findExecutable(name) }
}

// MARK: - Fixtures

/// The C programs in Fixtures/c, compiled with `cc` on first use and cached for the rest of the process.
enum Fixture {
    /// How a fixture is built.
    enum Build: String, Sendable {
        case native
        /// -static: no dynamic loader (glibc's libc.a, from libc6-dev on Debian).
        case staticLinked = "static"
        /// -m32: an i386 program (needs gcc-multilib's 32-bit libc).
        case i386
    }

    private static let compiled = Mutex<[String: String]>([:])

    /// A directory for the binaries, removed when the test process exits.
    private static let binaries: String = {
        let directory = makeTemporaryDirectory(prefix: "iotrace-it-fixtures")
        atexit {
            if ProcessInfo.processInfo.environment["IOTRACE_KEEP_WORKSPACES"] == nil { removeTree(Fixture.binaries) }
        }
        return directory
    }()

    /// The path of fixture `name` (Fixtures/c/NAME.c), built now if this process has not built it yet.
    static func path(_ name: String, build: Build = .native) throws -> String {
        let key = build == .native ? name : "\(name)-\(build.rawValue)"
        return try compiled.withLock { cache throws -> String in
            if let binary = cache[key] { return binary }
            let binary = "\(binaries)/\(key)"
            try compile("\(Locations.fixtureSources)/\(name).c", to: binary, build: build)
            cache[key] = binary
            return binary
        }
    }

    /// Whether `cc -m32` can build and link a program here (x86_64 with gcc-multilib).
    static let canBuildI386: Bool = {
        #if arch(x86_64)
        let directory = makeTemporaryDirectory(prefix: "iotrace-it-m32")
        defer { removeTree(directory) }
        let source = directory + "/probe.c"
        guard FileManager.default.createFile(atPath: source, contents: Data("int main(void) { return 0; }\n".utf8))
        else { return false }
        return (try? compile(source, to: directory + "/probe", build: .i386)) != nil
        #else
        return false
        #endif
    }()

    private static func compile(_ source: String, to binary: String, build: Build) throws {
        var arguments = ["-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror", "-pthread",
                         "-I", Locations.fixtureSources, "-o", binary, source]
        switch build {
        case .native: break
        case .staticLinked: arguments.insert("-static", at: 0)
        case .i386: arguments.insert("-m32", at: 0)
        }
        let result = try runProcess("/usr/bin/env", ["cc"] + arguments, in: Locations.fixtureSources, timeout: 120)
        guard result.status == 0 else {
            throw HarnessError(
                "cc \(arguments.joined(separator: " ")) failed (\(result.status)):\n" + result.stderrText)
        }
    }
}

// MARK: - Processes

struct ProcessResult: Sendable {
    /// The exit status, or 128 + N when killed by signal N (as a shell reports it).
    var status: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]
    var timedOut: Bool
    /// How long the process ran, in seconds.
    var duration: Double

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs `executable` with `arguments` in `directory`, stdin from /dev/null (or a file holding `stdin`) and
/// stdout/stderr captured through files (no pipe to fill up). Past `timeout` seconds it is killed with
/// SIGKILL (a tracer's tracees die with it: PTRACE_O_EXITKILL) and `timedOut` is set. `whileRunning` is
/// called with the pid once the process has started, before waiting for it.
func runProcess(_ executable: String, _ arguments: [String], in directory: String,
                environment: [String: String]? = nil, stdin: String? = nil, timeout: Double = 60,
                whileRunning: ((pid_t) throws -> Void)? = nil) throws -> ProcessResult {
    let capture = makeTemporaryDirectory(prefix: "iotrace-it-output")
    defer { removeTree(capture) }
    let stdoutPath = capture + "/stdout", stderrPath = capture + "/stderr"
    _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
    let stdoutHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
    let stderrHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
    defer {
        try? stdoutHandle.close()
        try? stderrHandle.close()
    }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    if let environment { process.environment = environment }
    if let stdin {
        let stdinPath = capture + "/stdin"
        _ = FileManager.default.createFile(atPath: stdinPath, contents: Data(stdin.utf8))
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdinPath))
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    process.standardOutput = stdoutHandle
    process.standardError = stderrHandle
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    let start = Date()
    try launchWithDefaultSignalMask(process)
    do {
        try whileRunning?(process.processIdentifier)
    } catch {
        kill(process.processIdentifier, SIGKILL)
        finished.wait()
        throw error
    }
    var timedOut = false
    if finished.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        kill(process.processIdentifier, SIGKILL)
        finished.wait()
    }
    let duration = Date().timeIntervalSince(start)
    let status = process.terminationReason == .uncaughtSignal
        ? 128 + process.terminationStatus : process.terminationStatus
    return ProcessResult(
        status: status,
        stdout: Array(FileManager.default.contents(atPath: stdoutPath) ?? Data()),
        stderr: Array(FileManager.default.contents(atPath: stderrPath) ?? Data()),
        timedOut: timedOut, duration: duration)
}

/// Starts `process` from a new thread whose signal mask is empty. posix_spawn passes the calling thread's
/// mask to the child, and Foundation's Process does not reset it: started from a Swift concurrency
/// (dispatch) thread, which blocks nearly every signal, the child would run with SIGTERM, SIGUSR1, SIGINT
/// and most others blocked, and so would everything the tracer starts. A shell starts commands with an
/// empty mask; so must the tests.
private func launchWithDefaultSignalMask(_ process: Process) throws {
    final class Launch: @unchecked Sendable {
        let process: Process
        var error: Error?
        init(_ process: Process) { self.process = process }
    }
    let launch = Launch(process)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        do { try launch.process.run() } catch { launch.error = error }
        done.signal()
    }
    thread.start()
    done.wait()
    if let error = launch.error { throw error }
}

// MARK: - Workspaces

/// A fresh temporary directory per test: `path` is the workspace the tracer is given (with a `sub`
/// directory the fixtures enter), `scratch` a sibling outside it for reports. Removed on deinit, so keep
/// using the workspace (not paths copied out of it) until the test is done with the files.
final class Workspace {
    let root: String
    let path: String
    let scratch: String
    private var runs = 0

    init() throws {
        root = makeTemporaryDirectory(prefix: "iotrace-it")
        path = root + "/ws"
        scratch = root + "/scratch"
        try FileManager.default.createDirectory(atPath: path + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    deinit {
        if ProcessInfo.processInfo.environment["IOTRACE_KEEP_WORKSPACES"] == nil { removeTree(root) }
    }

    func absolute(_ relative: String) -> String { path + "/" + relative }

    /// Creates a file (and its parent directories) in the workspace, before any tracing.
    func file(_ relative: String, _ contents: String = "data\n", permissions: Int = 0o644) throws {
        let full = absolute(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: full, contents: Data(contents.utf8),
                                             attributes: [.posixPermissions: permissions]) else {
            throw HarnessError("cannot create \(full)")
        }
    }

    func directory(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: absolute(relative), withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: absolute(relative), withDestinationPath: destination)
    }

    func exists(_ relative: String) -> Bool {
        var info = stat()
        return lstat(absolute(relative), &info) == 0
    }

    func contents(_ relative: String) -> String? {
        FileManager.default.contents(atPath: absolute(relative)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A path in `scratch` no earlier run in this workspace used.
    func scratchFile(_ name: String) -> String {
        runs += 1
        return "\(scratch)/\(runs)-\(name)"
    }

    /// Runs `iotrace-native --workspace WS --format FORMAT -o REPORT [mode options] [options] -- COMMAND`
    /// in the workspace and reads the report file if one was written.
    func trace(_ command: [String], mode: TracerMode, format: String = "json", options: [String] = [],
               timeout: Double = 60, whileRunning: ((pid_t) throws -> Void)? = nil) throws -> TraceRun {
        let report = scratchFile("report.\(format)")
        let arguments = ["--workspace", path, "--format", format, "-o", report] + mode.options + options
            + ["--"] + command
        return try runTracer(arguments, reportPath: report, timeout: timeout, whileRunning: whileRunning)
    }

    /// Runs iotrace-native with exactly `arguments`, in the workspace (or `directory`).
    func runTracer(_ arguments: [String], reportPath: String? = nil, directory: String? = nil,
                   environment: [String: String]? = nil, stdin: String? = nil, timeout: Double = 60,
                   whileRunning: ((pid_t) throws -> Void)? = nil) throws -> TraceRun {
        let result = try runProcess(try Locations.iotrace(), arguments, in: directory ?? path,
                                    environment: environment, stdin: stdin, timeout: timeout,
                                    whileRunning: whileRunning)
        let report = reportPath.flatMap { FileManager.default.contents(atPath: $0) }.map { Array($0) }
        return TraceRun(arguments: arguments, process: result, reportBytes: report)
    }
}

// MARK: - Runs and their reports

extension TraceRun {
    /// The `--stats` line on stderr and its numbers in order, thousands separators dropped: ptrace's
    /// "stats: 1,234 stops: 12 syscall entries (seccomp), ..." or eBPF's "stats: eBPF: 85 events, 0 lost, ...".
    func stats(sourceLocation: SourceLocation = #_sourceLocation) throws -> (line: String, numbers: [Int]) {
        let line = try #require(process.stderrText.split(separator: "\n").first { $0.contains("stats:") },
                                "no stats line\n\(diagnostics)", sourceLocation: sourceLocation)
        let numbers = line.replacingOccurrences(of: ",", with: "").split(separator: " ").compactMap { Int($0) }
        return (String(line), numbers)
    }
}

struct TraceRun {
    let arguments: [String]
    let process: ProcessResult
    /// The report file's bytes; nil when no report file was written.
    let reportBytes: [UInt8]?

    var status: Int32 { process.status }

    /// What to print when an expectation fails.
    var diagnostics: String {
        """
        iotrace-native \(arguments.joined(separator: " "))
        status \(status)\(process.timedOut ? " (killed after the test's timeout)" : ""), \
        \(String(format: "%.2f", process.duration)) s
        stderr: \(process.stderrText)
        report: \(reportBytes.map { String(decoding: $0, as: UTF8.self) } ?? "(none)")
        """
    }

    /// The parsed JSON report; fails the test when there is none.
    func report(sourceLocation: SourceLocation = #_sourceLocation) throws -> TraceReport {
        let bytes = try #require(reportBytes, "no report was written\n\(diagnostics)", sourceLocation: sourceLocation)
        do {
            return try TraceReport(json: bytes)
        } catch {
            Issue.record("the report is not valid: \(error)\n\(diagnostics)", sourceLocation: sourceLocation)
            throw error
        }
    }

    /// Checks the tracer's status, the report's exitCode, every path set against `expected` (each exact and
    /// sorted; a set `expected` does not name must be empty) and no warnings. Returns the report for further
    /// checks.
    @discardableResult
    func expectReport(exitCode: Int32 = 0, _ expected: Expected = Expected(),
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> TraceReport {
        #expect(!process.timedOut, "the trace did not finish\n\(diagnostics)", sourceLocation: sourceLocation)
        #expect(status == exitCode, "exit status\n\(diagnostics)", sourceLocation: sourceLocation)
        let report = try report(sourceLocation: sourceLocation)
        #expect(report.version == 1, sourceLocation: sourceLocation)
        #expect(report.exitCode == Int(exitCode), "exitCode\n\(diagnostics)", sourceLocation: sourceLocation)
        for set in PathSet.allCases where !expected.unchecked.contains(set) {
            guard let paths = expected[set] else {
                Issue.record("Expected has no `\(set.key)`: add `var \(set.key): [RawPath] = []` to it",
                             sourceLocation: sourceLocation)
                continue
            }
            #expect(report[set] == paths, "\(set.key)\n\(diagnostics)", sourceLocation: sourceLocation)
        }
        #expect(report.warnings.isEmpty, "warnings\n\(diagnostics)", sourceLocation: sourceLocation)
        return report
    }
}

// MARK: - File system helpers

func makeTemporaryDirectory(prefix: String) -> String {
    var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { fatalError("mkdtemp: \(String(cString: strerror(errno)))") }
    return String(cString: made)
}

/// rm -rf, byte-exact (names that are not UTF-8 included), not following symlinks, and relative to
/// directory descriptors so that depth is no limit.
func removeTree(_ path: String) {
    let directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if directory >= 0 {
        removeContents(of: directory)
        rmdir(path)
    } else {
        unlink(path)
    }
}

/// Empties the directory open as `directory`, and closes it.
func removeContents(of directory: Int32) {
    guard let stream = fdopendir(directory) else {
        close(directory)
        return
    }
    defer { closedir(stream) }
    // Names first, removal after: readdir's view of a directory changing under it is unspecified.
    // The name is read in place, up to its NUL: copying `d_name` whole reads 256 bytes, past the end of a
    // short last entry in readdir's buffer.
    let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
    var names: [[CChar]] = []
    while let entry = readdir(stream) {
        let name = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
        let bytes = Array(UnsafeBufferPointer(start: name, count: strlen(name)))
        if bytes != [46] && bytes != [46, 46] { names.append(bytes + [0]) }
    }
    let parent = dirfd(stream)
    for name in names {
        let child = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if child >= 0 {
            removeContents(of: child)
            unlinkat(parent, name, AT_REMOVEDIR)
        } else {
            unlinkat(parent, name, 0)
        }
    }
}
