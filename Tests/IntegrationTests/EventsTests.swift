/// `--events FILE`: one JSON line per traced call that touched a workspace path, written as it happens, to a
/// file or a FIFO, and a reader that stops reading never stalls the command.
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One line of the stream, read with Foundation's own JSON parser (no jq).
struct EventLine: Decodable, Equatable {
    var time: Double
    var pid: Int32
    var tid: Int32
    var syscall: String
    var path: String
    var errno: Int32?
    var error: String?
    var sets: [String]
}

func eventLines(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> [EventLine] {
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(bytes.isEmpty || text.hasSuffix("\n"), "the stream ends with a whole line", sourceLocation: sourceLocation)
    return try text.split(separator: "\n").map { line in
        // Each line is a JSON object on its own (JSONSerialization first: a stricter check of the form).
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        #expect(object is [String: Any], sourceLocation: sourceLocation)
        return try JSONDecoder().decode(EventLine.self, from: Data(line.utf8))
    }
}

/// Reads a FIFO on a thread of its own: everything until EOF, or `limit` bytes and then closes it.
final class FIFOReader: @unchecked Sendable {
    private let state = Mutex<(bytes: [UInt8], firstLineAt: Double?, done: Bool)>(([], nil, false))
    private let finished = DispatchSemaphore(value: 0)

    init(_ path: String, stopAfter limit: Int? = nil, neverRead: Bool = false) {
        let thread = Thread { [self] in
            let fd = open(path, O_RDONLY)
            var buffer = [UInt8](repeating: 0, count: 4096)
            if neverRead {
                // Holds the FIFO open and reads nothing, until the writer is done with it.
                while !state.withLock({ $0.done }) { usleep(50_000) }
            } else {
                while fd >= 0 {
                    let count = read(fd, &buffer, limit.map { min($0, buffer.count) } ?? buffer.count)
                    if count <= 0 { break }
                    state.withLock { state in
                        state.bytes += buffer[0..<count]
                        if state.firstLineAt == nil && state.bytes.contains(10) {
                            state.firstLineAt = Date().timeIntervalSince1970
                        }
                    }
                    if let limit, state.withLock({ $0.bytes.count }) >= limit { break }
                }
            }
            if fd >= 0 { close(fd) }
            finished.signal()
        }
        thread.start()
    }

    /// For a reader that never reads: let it close.
    func release() { state.withLock { $0.done = true } }

    func wait() -> (bytes: [UInt8], firstLineAt: Double?) {
        finished.wait()
        return state.withLock { ($0.bytes, $0.firstLineAt) }
    }
}

@Suite("Events (--events)", .serialized, .timeLimit(.minutes(2)))
struct EventsTests {
    @Test("one line per call on a workspace path, with the sets the model put it in", arguments: TracerMode.allCases)
    func lines(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/in.txt")
        let events = workspace.scratchFile("events.jsonl")
        let run = try workspace.trace(
            ["/bin/sh", "-c", "cat sub/in.txt > sub/out.txt; cat sub/nope 2>/dev/null; mv sub/out.txt sub/moved.txt"],
            mode: mode, options: ["--events", events])
        // mv renames out.txt away (a delete) to moved.txt (a write): only moved.txt is an output.
        try run.expectReport(Expected(reads: ["sub/in.txt"], writes: ["sub/moved.txt", "sub/out.txt"],
                                      missing: ["sub/nope"], deletes: ["sub/out.txt"], inputs: ["sub/in.txt"],
                                      outputs: ["sub/moved.txt"]))
        let lines = try eventLines(Array(try #require(FileManager.default.contents(atPath: events))))
        let summary = lines.map { "\($0.syscall) \($0.path) \($0.errno.map(String.init) ?? "ok") \($0.sets)" }
        #expect(summary.contains { $0.hasSuffix("sub/out.txt ok [\"writes\"]") && $0.hasPrefix("open") }, "\(summary)")
        #expect(summary.contains { $0.hasSuffix("sub/in.txt ok [\"reads\"]") }, "\(summary)")
        #expect(summary.contains { $0.hasSuffix("sub/nope 2 [\"missing\"]") }, "\(summary)")
        #expect(summary.contains { $0.hasPrefix("rename") && $0.hasSuffix("sub/out.txt ok [\"deletes\"]") },
                "\(summary)")
        #expect(summary.contains { $0.hasPrefix("rename") && $0.hasSuffix("sub/moved.txt ok [\"writes\"]") },
                "\(summary)")
        #expect(lines.allSatisfy { $0.time > 1_600_000_000 && $0.pid > 0 && $0.tid > 0 })
        // In the order the calls ended.
        #expect(lines.map(\.time) == lines.map(\.time).sorted())
    }

    @Test("why is this file in the report: the line names the process that wrote it")
    func whichProcess() throws {
        let workspace = try Workspace()
        let events = workspace.scratchFile("events.jsonl")
        // The parent writes nothing; a CLONE_UNTRACED child writes the file.
        let run = try workspace.trace([try Fixture.path("clone_untraced"), "clone"], mode: .seccompSyscallInfo,
                                      options: ["--events", events, "--processes"])
        let report = try run.expectReport(Expected(writes: ["sub/from-clone.txt"], outputs: ["sub/from-clone.txt"]))
        let writer = try #require(report.processes?.first { $0.writes == ["sub/from-clone.txt"] }, "\(run.diagnostics)")
        let lines = try eventLines(Array(try #require(FileManager.default.contents(atPath: events))))
        let line = try #require(lines.first { $0.path == "sub/from-clone.txt" })
        #expect(line.pid == Int32(writer.pid) && line.tid == line.pid && line.sets == ["writes"])
        #expect(report.processes?.first?.pid != writer.pid, "the command's own process is not the writer")
    }

    @Test("a FIFO's reader gets each line while the command still runs")
    func fifoAsItHappens() throws {
        let workspace = try Workspace()
        let fifo = workspace.scratch + "/events.fifo"
        try #require(mkfifo(fifo, 0o644) == 0)
        let reader = FIFOReader(fifo)
        let started = Date().timeIntervalSince1970
        // One file, then two seconds of sleep before the command ends.
        let run = try workspace.trace([try Fixture.path("many_files"), "1", "2000"], mode: .seccompSyscallInfo,
                                      options: ["--events", fifo])
        let ended = Date().timeIntervalSince1970
        try run.expectReport(Expected(writes: ["sub/f-000000"], outputs: ["sub/f-000000"]))
        let (bytes, firstLineAt) = reader.wait()
        let lines = try eventLines(bytes)
        #expect(lines.map(\.path) == ["sub/f-000000"])
        let first = try #require(firstLineAt)
        #expect(first - started < (ended - started) - 1, "the line came only at the end")
    }

    @Test("a reader that stops reading: the command runs to its end, the lines it missed are counted")
    func stalledReader() throws {
        let workspace = try Workspace()
        let fifo = workspace.scratch + "/events.fifo"
        try #require(mkfifo(fifo, 0o644) == 0)
        let reader = FIFOReader(fifo, neverRead: true)
        defer { reader.release() }
        // 3,000 lines of about 130 bytes: far more than a pipe holds.
        let run = try workspace.trace([try Fixture.path("many_files"), "3000"], mode: .seccompSyscallInfo,
                                      options: ["--events", fifo], timeout: 60)
        reader.release()
        _ = reader.wait()
        #expect(run.status == 0, "\(run.diagnostics)")
        #expect(run.process.duration < 30, "\(run.diagnostics)")
        let report = try run.report()
        #expect(report.writes.count == 3000, "the report is whole")
        #expect(report.warnings.count == 1 && report.warnings[0].contains("did not keep up"), "\(run.diagnostics)")
    }

    @Test("a reader that goes away (EPIPE): the tracer is not killed by SIGPIPE, the rest is counted")
    func readerGoesAway() throws {
        let workspace = try Workspace()
        let fifo = workspace.scratch + "/events.fifo"
        try #require(mkfifo(fifo, 0o644) == 0)
        let reader = FIFOReader(fifo, stopAfter: 200)
        let run = try workspace.trace([try Fixture.path("many_files"), "2000"], mode: .seccompSyscallInfo,
                                      options: ["--events", fifo])
        _ = reader.wait()
        #expect(run.status == 0, "\(run.diagnostics)")
        let report = try run.report()
        #expect(report.writes.count == 2000, "the report is whole")
        #expect(report.warnings.count == 1 && report.warnings[0].contains("went away"), "\(run.diagnostics)")
    }

    @Test("an --events place that cannot be written: 125, the command does not run")
    func unwritable() throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("touch"), "marker"], mode: .seccompSyscallInfo,
                                      options: ["--events", workspace.scratch + "/no-such-dir/events.jsonl"])
        #expect(run.status == 125, "\(run.diagnostics)")
        #expect(!workspace.exists("marker"))
        #expect(run.process.stderrText.contains("--events") || run.process.stderrText.contains("events"))
    }
}
