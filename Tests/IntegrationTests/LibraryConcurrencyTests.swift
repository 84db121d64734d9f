import Foundation
import TraceModel
import Kernel
import PtraceEngine
import EBPFEngine
import Testing

/// The library is a good guest in its host process (issue 2, point 4): two traces run at once on two
/// threads while a third thread runs an untraced subprocess and waits for it by pid. Each trace must see
/// exactly its own command's files, and the untraced child's status must reach the thread that started it.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LibraryConcurrencyTests {
    final class Box<T>: @unchecked Sendable {
        var value: T?
    }

    static func makeWorkspace(_ name: String) throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("iotrace-concurrency-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try "input \(name)\n".write(to: url.appendingPathComponent("in-\(name).txt"), atomically: true, encoding: .utf8)
        return url
    }

    static func trace(_ script: String, in workspace: URL, engine: String) throws -> Report {
        let root = Array(workspace.resolvingSymlinksInPath().path.utf8)
        let command = [Array("/bin/sh".utf8), Array("-c".utf8), Array("cd '\(workspace.path)' && \(script)".utf8)]
        let filter = WorkspaceFilter(roots: [root], ignoredNames: [])
        if engine == "ebpf" { return try EBPFTracer(EBPFConfiguration(command: command, filter: filter)).run().report }
        return try Tracer(TraceConfiguration(command: command, filter: filter)).run().report
    }

    static func loop(_ name: String) -> String {
        "for i in 1 2 3 4 5 6; do cat in-\(name).txt >/dev/null; sleep 0.05; done; echo done > out-\(name).txt"
    }

    /// A trace that hangs cannot be interrupted from inside the process (Swift Testing's time limit waits
    /// for the test to return): after `seconds`, fail loudly and end the test process instead of hanging CI.
    static func armWatchdog(seconds: Int, _ what: String) -> DispatchWorkItem {
        let item = DispatchWorkItem {
            FileHandle.standardError.write(Data("watchdog: \(what) did not finish in \(seconds) s; aborting\n".utf8))
            abort()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(seconds), execute: item)
        return item
    }

    @Test("two traces and an untraced child in one process", arguments: ["ptrace", "ebpf"])
    func twoTracesAndAnUntracedChildInOneProcess(engine: String) throws {
        let first = try Self.makeWorkspace("a")
        let second = try Self.makeWorkspace("b")
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        // Each command runs long enough (several short sleeps) for the three threads to overlap.
        let loopA = Self.loop("a")
        let loopB = Self.loop("b")
        let resultA = Box<Result<Report, Error>>()
        let resultB = Box<Result<Report, Error>>()
        let untracedStatus = Box<(pid: pid_t, waited: pid_t, status: Int32)>()
        let group = DispatchGroup()
        func start(_ body: @escaping @Sendable () -> Void) {
            group.enter()
            let thread = Thread {
                body()
                group.leave()
            }
            thread.start()
        }
        start { resultA.value = Result { try Self.trace(loopA, in: first, engine: engine) } }
        start { resultB.value = Result { try Self.trace(loopB, in: second, engine: engine) } }
        start {
            var pid: pid_t = 0
            let argv: [UnsafeMutablePointer<CChar>?] = [
                strdup("/bin/sh"), strdup("-c"), strdup("sleep 0.3; exit 3"), nil,
            ]
            defer { argv.forEach { free($0) } }
            guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { return }
            var status: Int32 = 0
            let waited = waitpid(pid, &status, 0)
            untracedStatus.value = (pid, waited, status)
        }
        let watchdog = Self.armWatchdog(seconds: 60, "two concurrent traces")
        group.wait()
        watchdog.cancel()

        let a = try #require(try resultA.value?.get())
        let b = try #require(try resultB.value?.get())
        #expect(a.outcome == .exited(0))
        #expect(b.outcome == .exited(0))
        #expect(a.reads == [Array("in-a.txt".utf8)])
        #expect(a.writes == [Array("out-a.txt".utf8)])
        #expect(b.reads == [Array("in-b.txt".utf8)])
        #expect(b.writes == [Array("out-b.txt".utf8)])
        #expect(a.engine == engine && b.engine == engine)

        let untraced = try #require(untracedStatus.value, "posix_spawn of the untraced child failed")
        #expect(untraced.waited == untraced.pid, "the untraced child was reaped by someone else")
        // WIFEXITED && WEXITSTATUS == 3
        #expect(untraced.status & 0x7f == 0 && (untraced.status >> 8) & 0xff == 3)
    }

    /// The children of this process that are forks of it (not exec'd: the same executable) holding BPF links,
    /// the eBPF engine's guards, with the number of pipes and sockets each holds open. (Other suites' tests,
    /// running at the same time in this process, fork children of their own.)
    static func guards() -> [(pid: Int, pipes: Int, sockets: Int)] {
        let me = getpid()
        let children = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(me)/task"))?
            .flatMap { task in
                ((try? String(contentsOfFile: "/proc/\(me)/task/\(task)/children", encoding: .utf8)) ?? "")
                    .split(separator: " ").compactMap { Int($0) }
            } ?? []
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return children.compactMap { pid in
            guard (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) == executable,
                  let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return nil }
            let targets = fds.map {
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? ""
            }
            guard targets.contains("anon_inode:bpf_link") else { return nil }
            func count(_ kind: String) -> Int { targets.filter { $0.hasPrefix(kind) }.count }
            return (pid, count("pipe:"), count("socket:"))
        }
    }

    // loader.c: a guard that kept the other trace's pipe (now socket) open made each wait for the other at its
    // end, for ever when the two guards held each other's (seen as this suite's watchdog firing).
    @Test("two eBPF traces at once: each guard holds its own socket and no other descriptor of the process")
    func eachGuardHoldsItsOwnSocket() throws {
        let first = try Self.makeWorkspace("c")
        let second = try Self.makeWorkspace("d")
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        let group = DispatchGroup()
        let results = [Box<Result<Report, Error>>(), Box<Result<Report, Error>>()]
        for (index, workspace) in [first, second].enumerated() {
            group.enter()
            Thread {
                results[index].value = Result { try Self.trace("sleep 1; cat in-*.txt", in: workspace, engine: "ebpf") }
                group.leave()
            }.start()
        }
        // Children seen twice, 50 ms apart: a command between its fork and its exec (or a child another suite
        // is spawning) also runs this executable and holds copies of every descriptor, for a moment.
        var seen: [(pid: Int, pipes: Int, sockets: Int)] = []
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let before = Set(Self.guards().map(\.pid))
            usleep(50_000)
            seen = Self.guards().filter { before.contains($0.pid) }
            if seen.count == 2 { break }
        }
        let watchdog = Self.armWatchdog(seconds: 60, "two concurrent eBPF traces")
        group.wait()
        watchdog.cancel()
        #expect(seen.count == 2, "guards seen while both traces ran: \(seen)")
        #expect(seen.allSatisfy { $0.pipes == 0 && $0.sockets == 1 }, "pipes and sockets each guard held: \(seen)")
        for result in results {
            let report = try #require(try result.value?.get())
            #expect(report.outcome == .exited(0))
            #expect(report.reads.count == 1)
        }
    }

    // EBPFTracer makes the command's process while its program loads (held before its exec until `run`): a
    // tracer made and dropped without `run` must end that process unrun, and reap it.
    @Test("an eBPF tracer dropped before run ends its held command unrun")
    func droppedTracerRunsNothing() throws {
        let workspace = try Self.makeWorkspace("e")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let marker = workspace.appendingPathComponent("ran.txt")
        let command = [Array("/bin/sh".utf8), Array("-c".utf8), Array("echo ran > '\(marker.path)'".utf8)]
        let filter = WorkspaceFilter(roots: [Array(workspace.resolvingSymlinksInPath().path.utf8)], ignoredNames: [])
        var tracer: EBPFTracer? = try EBPFTracer(EBPFConfiguration(command: command, filter: filter))
        let held = try #require(tracer?.heldCommand)
        #expect(FileManager.default.fileExists(atPath: "/proc/\(held)"), "the held command's process")
        usleep(100_000)
        tracer = nil
        // Reaped when the tracer is gone: not blocked on its go pipe, not a zombie.
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(held)"), "process \(held) is still there")
        #expect(!FileManager.default.fileExists(atPath: marker.path), "the held command ran")
        // The next trace in this process starts and ends as usual.
        let report = try Self.trace("cat in-e.txt", in: workspace, engine: "ebpf")
        #expect(report.outcome == .exited(0))
        #expect(report.reads == [Array("in-e.txt".utf8)])
    }
}
