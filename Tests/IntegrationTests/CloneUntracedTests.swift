/// SPEC: What is traced ("every process and thread the command starts, through fork, vfork, clone, clone3").
/// A child made with CLONE_UNTRACED is not attached by PTRACE_O_TRACECLONE; it would run under the command's
/// seccomp filter with no tracer, every traced call failing with ENOSYS. The tracer clears the flag at the
/// clone's entry, so the program behaves as it does untraced and its child's files are in the report.
import Testing

/// The fixture's ways to ask for CLONE_UNTRACED: glibc's clone() (flags in a register), clone3 (flags in
/// struct clone_args, in memory), and i386 clone through `int $0x80` from 64-bit code (flags in ebx).
let cloneUntracedModes: [String] = {
    #if arch(x86_64)
    return ["clone", "clone3", "int80"]
    #else
    return ["clone", "clone3"]
    #endif
}()

@Suite("CLONE_UNTRACED", .serialized, .timeLimit(.minutes(2)))
struct CloneUntracedTests {
    @Test("a CLONE_UNTRACED child is followed: the program exits as untraced, its write is reported",
          arguments: TracerMode.allCases, cloneUntracedModes)
    func followed(mode: TracerMode, call: String) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("clone_untraced"), call], mode: mode)
        let written = [RawPath("sub/from-\(call).txt")]
        try run.expectReport(Expected(writes: written, outputs: written))
    }

    @Test("with --processes the child is a process of the tree, with its own write")
    func inTheTree() throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("clone_untraced"), "clone"], mode: .seccompSyscallInfo,
                                      options: ["--processes"])
        let report = try run.expectReport(Expected(writes: ["sub/from-clone.txt"], outputs: ["sub/from-clone.txt"]))
        let processes = try #require(report.processes, "\(run.diagnostics)")
        #expect(processes.count == 2, "\(run.diagnostics)")
        #expect(processes.last?.writes == ["sub/from-clone.txt"], "\(run.diagnostics)")
    }
}
