/// SPEC: What is traced. Every process and thread the command starts, through fork, vfork, clone, clone3
/// and exec, until the last of them has exited.
import Foundation
import Testing

@Suite("Processes", .serialized, .timeLimit(.minutes(3)))
struct ProcessesTests {
    @Test("fork: the child's opens, against the child's own cwd", arguments: TracerMode.allCases)
    func fork(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("fork_child")], mode: mode)
        let written: [RawPath] = ["sub/childdir/child.txt", "sub/parent.txt"]
        // The parent makes childdir/ before it forks.
        try run.expectReport(Expected(writes: written, directories: ["sub/childdir"], outputs: written))
    }

    @Test("vfork then exec of another program", arguments: TracerMode.allCases)
    func vforkExec(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("vfork_exec"), try Fixture.path("touch"), "vforked.txt"],
                                      mode: mode)
        let written: [RawPath] = ["sub/parent.txt", "sub/vforked.txt"]
        try run.expectReport(Expected(writes: written, outputs: written))
    }

    @Test("posix_spawn (clone with CLONE_VM|CLONE_VFORK) then exec", arguments: TracerMode.allCases)
    func posixSpawn(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("spawn_exec"), try Fixture.path("touch"), "spawned.txt"],
                                      mode: mode)
        let written: [RawPath] = ["sub/parent.txt", "sub/spawned.txt"]
        try run.expectReport(Expected(writes: written, outputs: written))
    }

    @Test("8 threads opening files at once", arguments: TracerMode.allCases)
    func threads(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/shared.txt")
        let run = try workspace.trace([try Fixture.path("threads")], mode: mode)
        let written = (0..<8).map { RawPath("sub/thread-\($0).txt") }
        try run.expectReport(Expected(reads: ["sub/shared.txt"], writes: written, inputs: ["sub/shared.txt"],
                                      outputs: written))
    }

    @Test("exec from a thread that is not the leader; the new program's opens are traced",
          arguments: TracerMode.allCases)
    func execFromNonLeaderThread(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("thread_exec"), try Fixture.path("touch"), "after-exec.txt"],
                                      mode: mode)
        let written: [RawPath] = ["sub/after-exec.txt", "sub/before-exec.txt"]
        try run.expectReport(Expected(writes: written, outputs: written))
    }

    @Test("exec from a thread while the other threads are in the middle of opens", arguments: TracerMode.allCases)
    func execWhileOtherThreadsOpen(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/busy.txt")
        let run = try workspace.trace(
            [try Fixture.path("exec_while_busy"), try Fixture.path("touch"), "after-exec.txt"], mode: mode)
        try run.expectReport(Expected(reads: ["sub/busy.txt"], writes: ["sub/after-exec.txt"], inputs: ["sub/busy.txt"],
                                      outputs: ["sub/after-exec.txt"]))
    }

    /// A race the fixture makes likely but cannot force (exec_while_reaping.c), hence 30 runs, each report checked:
    /// a batch of stops (WaitBatch) held a stop of the leader, collected before the exec killed it, and the exec
    /// event the exec'ing thread reported under the leader's tid. Served, the stale stop resumed the exec'd
    /// program from its exec stop, before its exec event was served: stepping then took each of its syscall
    /// entries for an exit and lost its write; with seccomp the exec itself went unrecorded (the program exec'd
    /// is a copy in the workspace so that this shows, in `executed`); neither with a warning. Before WaitBatch
    /// dropped such stops, 2 to 10 runs in 100 lost one or the other on a 2-CPU machine, in every ptrace mode:
    /// 30 runs a mode catch the bug most of the time, not always.
    @Test("exec from a thread while 300 processes end at once, 30 times", arguments: TracerMode.allCases)
    func execWhileProcessesEnd(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/busy.txt")
        try workspace.directory("tools")
        try FileManager.default.copyItem(atPath: try Fixture.path("touch"), toPath: workspace.absolute("tools/touch"))
        let command = [try Fixture.path("exec_while_reaping"), "300", workspace.absolute("tools/touch"),
                       "after-exec.txt"]
        let written: [RawPath] = ["sub/after-exec.txt"]
        for attempt in 1...30 {
            let run = try workspace.trace(command, mode: mode)
            let report = try run.expectReport(Expected(reads: ["sub/busy.txt"], writes: written,
                                                       executed: ["tools/touch"],
                                                       inputs: ["sub/busy.txt", "tools/touch"], outputs: written))
            guard report.writes == written, report[.executed] == ["tools/touch"], report.warnings.isEmpty else {
                Issue.record("run \(attempt) of 30 went wrong (above)")
                return
            }
        }
    }

    @Test("exec from a thread after the leader has exited (a zombie leader)", arguments: TracerMode.allCases)
    func execAfterLeaderExited(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace(
            [try Fixture.path("leader_exit_exec"), try Fixture.path("touch"), "after-exec.txt"],
            mode: mode, timeout: 20)
        let written: [RawPath] = ["sub/after-exec.txt", "sub/before-exec.txt"]
        try run.expectReport(Expected(writes: written, outputs: written))
    }

    @Test("a grandchild that outlives its parent is waited for", arguments: TracerMode.allCases)
    func orphanedGrandchild(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("orphan_grandchild")], mode: mode)
        let written: [RawPath] = ["sub/grandchild.txt", "sub/parent.txt"]
        try run.expectReport(Expected(writes: written, outputs: written))
        #expect(workspace.exists("sub/grandchild.txt"), "the grandchild was killed before it wrote")
        #expect(run.process.duration >= 0.3, "the trace ended before the grandchild's 300 ms sleep")
    }

    @Test("200 short processes from a shell loop", arguments: TracerMode.allCases)
    func shellLoop(mode: TracerMode) throws {
        let workspace = try Workspace()
        for index in 1...200 { try workspace.file("sub/f\(index)", "\(index)\n") }
        let run = try workspace.trace(
            ["/bin/sh", "-c", "cd sub && for i in $(seq 200); do cat f$i > o$i || exit 1; done"], mode: mode)
        let read = (1...200).map { RawPath("sub/f\($0)") }.sorted()
        let written = (1...200).map { RawPath("sub/o\($0)") }.sorted()
        try run.expectReport(Expected(reads: read, writes: written, inputs: read, outputs: written))
        #expect(workspace.contents("sub/o200") == "200\n")
    }

    @Test("60 processes at once (background jobs racing their parent's fork events)", arguments: TracerMode.allCases)
    func parallelProcesses(mode: TracerMode) throws {
        let workspace = try Workspace()
        for index in 1...60 { try workspace.file("sub/f\(index)", "\(index)\n") }
        let run = try workspace.trace(
            ["/bin/sh", "-c", "cd sub && for i in $(seq 60); do (cat f$i > o$i) & done; wait"], mode: mode)
        let read = (1...60).map { RawPath("sub/f\($0)") }.sorted()
        let written = (1...60).map { RawPath("sub/o\($0)") }.sorted()
        try run.expectReport(Expected(reads: read, writes: written, inputs: read, outputs: written))
    }

    @Test("a statically linked program (no dynamic loader)", arguments: TracerMode.allCases)
    func staticallyLinked(mode: TracerMode) throws {
        // Debian's libc6-dev ships libc.a; when it is missing, the compile fails and says so.
        let program: String
        do {
            program = try Fixture.path("static_opens", build: .staticLinked)
        } catch {
            Issue.record("cannot link a static fixture (is static libc, e.g. libc6-dev's libc.a, installed?): \(error)")
            return
        }
        let workspace = try Workspace()
        try workspace.file("sub/in.txt")
        let run = try workspace.trace([program], mode: mode)
        try run.expectReport(Expected(reads: ["sub/in.txt"], writes: ["sub/child.txt", "sub/out.txt"],
                                      inputs: ["sub/in.txt"], outputs: ["sub/child.txt", "sub/out.txt"]))
    }
}
