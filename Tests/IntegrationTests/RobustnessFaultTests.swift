/// Issue 4, point 5: the command's own faults behave as they would untraced, and killing the tracer leaves
/// no traced process behind. (A command killed by SIGSEGV, SIGABRT and SIGTERM is in ExitStatusTests; the
/// forwarding of SIGINT/SIGTERM/SIGHUP and SIGKILL of the tracer with one command in SignalsTests.)
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A fault, the status the command ends with, and the files it writes (the same traced and untraced).
struct FaultCase: Sendable, CustomTestStringConvertible {
    let how: String
    let status: Int32
    let signal: Int32?
    let writes: [RawPath]

    var testDescription: String { how }
}

let faultCases: [FaultCase] = [
    // A write to a pipe nobody reads: the kernel's own SIGPIPE, not one sent by a process.
    FaultCase(how: "sigpipe", status: 128 + SIGPIPE, signal: SIGPIPE, writes: ["sub/before-pipe.txt"]),
    FaultCase(how: "sigpipe-ignored", status: 0, signal: nil, writes: ["sub/got-epipe.txt"]),
    // A real fault whose handler runs: the SIGSEGV must be delivered to the handler, not lost or made fatal.
    FaultCase(how: "segv-handled", status: 3, signal: nil, writes: ["sub/in-handler.txt"]),
    // The parent must see its child stopped (WUNTRACED) and then killed, as it would untraced.
    FaultCase(how: "stop-kill", status: 0, signal: nil, writes: ["sub/child-ready.txt", "sub/parent-done.txt"]),
]

@Suite("Robustness: faults", .serialized, .timeLimit(.minutes(2)))
struct RobustnessFaultTests {
    @Test("the command's own faults behave as untraced", arguments: faultCases, TracerMode.allCases)
    func fault(_ fault: FaultCase, mode: TracerMode) throws {
        // Untraced first: the fixture checks what it sees itself, so the same status proves the same behaviour.
        let untracedWorkspace = try Workspace()
        let untraced = try runProcess(try Fixture.path("faults"), [fault.how], in: untracedWorkspace.path, timeout: 20)
        #expect(untraced.status == fault.status, "untraced: \(untraced.stderrText)")

        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("faults"), fault.how], mode: mode, timeout: 20)
        let report = try run.expectReport(exitCode: fault.status,
                                          Expected(writes: fault.writes, outputs: fault.writes))
        #expect(report.signal == fault.signal.map(Int.init), "\(run.diagnostics)")
        #expect(!workspace.exists("sub/child-continued.txt"), "the stopped child ran on")
    }

    @Test("`yes | head -1` under bash -o pipefail: yes dies of SIGPIPE as untraced (141)",
          arguments: TracerMode.allCases)
    func pipelineSigpipe(mode: TracerMode) throws {
        guard let bash = Locations.onPath("bash") else {
            cannotRunHere("no bash on PATH for `set -o pipefail`")
            return
        }
        let script = "set -o pipefail; yes | head -1 > sub/out.txt"
        let untracedWorkspace = try Workspace()
        let untraced = try runProcess(bash, ["-c", script], in: untracedWorkspace.path, timeout: 20)
        #expect(untraced.status == 141, "untraced: \(untraced.stderrText)")
        let workspace = try Workspace()
        let run = try workspace.trace([bash, "-c", script], mode: mode, timeout: 20)
        try run.expectReport(exitCode: 141, Expected(writes: ["sub/out.txt"], outputs: ["sub/out.txt"]))
        #expect(workspace.contents("sub/out.txt") == "y\n")
    }

    @Test("SIGKILL to the tracer leaves no process of a 15-process tree alive (checked through /proc)",
          arguments: TracerMode.allCases)
    func tracerKilledWithTree(mode: TracerMode) throws {
        let workspace = try Workspace()
        // A copy of the fixture under a path of this test's own, so that a scan of /proc finds only this tree.
        let program = workspace.scratch + "/fork_tree-held"
        try FileManager.default.copyItem(atPath: try Fixture.path("fork_tree"), toPath: program)
        var tree: [ProcessIdentity] = []
        var survivors: [String] = []
        let run = try workspace.trace([program, "3", "hold"], mode: mode, timeout: 30) { tracer in
            // The 8 leaves hold (pause) once every node has written its file.
            try waitUntil("the 15 nodes' files", seconds: 15) {
                (1...15).allSatisfy { workspace.exists("sub/n-\($0).txt") }
            }
            // Below the launched iotrace-native, 16 processes that must all die: with ptrace it is a monitor, and
            // they are the tracing child (which dies with the monitor, PR_SET_PDEATHSIG) and the 15 nodes (with
            // it, PTRACE_O_EXITKILL); the eBPF engine traces in the launched process itself, and they are its
            // guard, which kills the nodes when the tracer is gone, and the 15 nodes.
            let expected = 16
            try waitUntil("\(expected) processes below the tracer", seconds: 5) {
                descendantsOf(tracer).count == expected
            }
            tree = descendantsOf(tracer)
            kill(tracer, SIGKILL)
            // PTRACE_O_EXITKILL sends SIGKILL to every tracee as the tracer dies; give the kernel a moment.
            // Zombies are dead: a PID 1 that does not reap (as in many containers) keeps them.
            try? waitUntil("the tree to die", seconds: 5) { tree.allSatisfy { !$0.isAlive } }
            let alive = Set(tree.filter(\.isAlive) + liveProcesses(runningExecutable: program))
            survivors = alive.map(\.description)
            // Survivors must be killed here, before the harness waits: Foundation's Process learns of the
            // tracer's end only when every holder of a descriptor it gave the tracer has closed it, and the
            // tree inherited that descriptor. Left alive, they would hang the test instead of failing it.
            for process in alive where process.isAlive { kill(process.pid, SIGKILL) }
        }
        #expect(run.status == 128 + SIGKILL, "\(run.diagnostics)")
        #expect(tree.count == 16)
        #expect(survivors.isEmpty, "alive after the tracer was killed (now killed by the test): \(survivors)")
    }
}
