/// The seccomp filter lets newfstatat and statx with AT_EMPTY_PATH through without a stop (fstat in
/// disguise); stepping, the decoder ignores them: neither adds a probe, and real stats still do.
import Foundation
import Testing

@Suite("fstat in disguise", .serialized, .timeLimit(.minutes(2)))
struct FstatTests {
    @Test("""
          fstat, fstatat(fd, "", AT_EMPTY_PATH) and statx(fd, "", AT_EMPTY_PATH) are no probes; \
          stat and statx of a path are
          """,
          arguments: TracerMode.allCases)
    func fstatForms(mode: TracerMode) throws {
        let workspace = try Workspace()
        for name in ["opened.txt", "probed.txt", "probed-x.txt"] { try workspace.file(name) }
        let run = try workspace.trace([try Fixture.path("fstat_forms")], mode: mode)
        try run.expectReport(Expected(reads: ["opened.txt"], probes: ["probed-x.txt", "probed.txt"],
                                      inputs: ["opened.txt"]))
    }

    @Test("--stats: 200 fstat, statx(AT_EMPTY_PATH) and refused io_uring_setup calls cost no stop under the filter",
          arguments: TracerMode.allCases.filter(\.isPtrace))
    func noStopsForWhatTheFilterLetsThrough(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("loop-target.txt")
        /// (seccomp entries, PTRACE_SYSCALL stops) from "stats: 1,234 stops: 12 syscall entries (seccomp), 34 ...".
        func stops(_ count: Int) throws -> (seccomp: Int, syscall: Int) {
            let run = try workspace.trace([try Fixture.path("fstat_loop"), String(count)], mode: mode,
                                          options: ["--stats"])
            try run.expectReport(Expected(reads: ["loop-target.txt"], inputs: ["loop-target.txt"]))
            let (line, numbers) = try run.stats()
            try #require(numbers.count == 6, "\(line)")
            #expect(numbers[0] >= numbers[1] + numbers[2], "\(line)")
            return (numbers[1], numbers[2])
        }
        let none = try stops(0)
        let many = try stops(200)
        if !mode.options.contains("--no-seccomp") {
            // Not one stop more for 600 calls: the filter lets them all through.
            #expect(many == none, "\(none) vs \(many)")
        } else {
            // Stepping sees each call twice (entry and exit): at least 1,200 stops more.
            #expect(many.syscall - none.syscall >= 1200, "\(none) vs \(many)")
        }
    }

    /// The eBPF engine's counterpart: its row's untraced rule drops the same calls in the kernel, and a refused
    /// io_uring_setup never reaches the syscall tracepoints: not one event more for 600 such calls.
    @Test("--stats, eBPF: 200 fstat, statx(AT_EMPTY_PATH) and refused io_uring_setup calls add no event")
    func noEventsForWhatTheRowsLeaveOut() throws {
        let workspace = try Workspace()
        try workspace.file("loop-target.txt")
        func events(_ count: Int) throws -> Int {
            let run = try workspace.trace([try Fixture.path("fstat_loop"), String(count)], mode: .ebpf,
                                          options: ["--stats"])
            try run.expectReport(Expected(reads: ["loop-target.txt"], inputs: ["loop-target.txt"]))
            let (line, numbers) = try run.stats()
            try #require(line.contains("stats: eBPF") && numbers.count == 5, "\(line)")
            #expect(numbers[1] == 0, "lost events: \(line)")
            return numbers[0]
        }
        #expect(try events(200) == events(0))
    }
}
