/// How WaitBatch serves what waitpid reports: the back-off of its polls and sweeps, and the stops a later status
/// of the same tid in one batch supersedes (a stale stop served would act on whatever task holds the tid now).
@testable import TraceModel
@testable import Kernel
@testable import PtraceEngine
@testable import StraceReader
import Testing

/// waitpid as a script: each wave is what one wait returns and the sweep after it finds ready, in order; the
/// sweep's next waitpid(WNOHANG) after a wave finds nothing. ECHILD when the script is done.
private final class ScriptedWaits: WaitSource {
    private var waves: [[(TaskID, Int32)]]

    init(_ waves: [[(TaskID, Int32)]]) { self.waves = waves }

    func next() -> Result<(TaskID, Int32), Errno> {
        guard let wave = waves.first, let status = wave.first else { return .failure(.noChild) }
        waves[0].removeFirst()
        return .success(status)
    }

    func ready() -> (TaskID, Int32)? {
        guard let wave = waves.first else { return nil }
        guard let status = wave.first else {
            waves.removeFirst()
            return nil
        }
        waves[0].removeFirst()
        return status
    }

    func nanoseconds() -> UInt64 { 0 }
}

/// Raw wait statuses, as the kernel encodes them (wait(2), ptrace(2)).
private enum Status {
    static let syscallStop: Int32 = (0x80 | 5) << 8 | 0x7F   // SIGTRAP | 0x80, PTRACE_O_TRACESYSGOOD
    static let execEvent: Int32 = (4 << 8 | 5) << 8 | 0x7F   // SIGTRAP | PTRACE_EVENT_EXEC << 8
    static let newTaskStop: Int32 = (128 << 8 | 5) << 8 | 0x7F   // PTRACE_EVENT_STOP, a new task's first stop
    static let exited: Int32 = 0
    static let killed: Int32 = 9   // SIGKILL
}

/// Everything the batch serves until ECHILD, and how many stops it dropped.
private func served(_ waves: [[(TaskID, Int32)]]) -> (events: [StopEvent], superseded: Int) {
    var batch = WaitBatch(pollMicroseconds: 0, source: ScriptedWaits(waves))
    var events: [StopEvent] = []
    while case .success(let event) = batch.nextStop() { events.append(event) }
    return (events, batch.superseded)
}

@Suite("Wait batches")
struct WaitBatchTests {
    @Test("misses space the tries out 1, 2, 4 ... 64 waits apart; a hit resets")
    func backOff() {
        var spacing = 0
        var skips: [Int] = []
        for _ in 0..<9 {
            let next = WaitBatch.backOff(found: false, spacing: spacing)
            skips.append(next.skip)
            spacing = next.spacing
        }
        #expect(skips == [1, 2, 4, 8, 16, 32, 64, 64, 64])
        let hit = WaitBatch.backOff(found: true, spacing: spacing)
        #expect(hit.skip == 0 && hit.spacing == 0)
        #expect(WaitBatch.backOff(found: false, spacing: hit.spacing).skip == 1)
    }

    @Test("statuses of different tasks are served in the order they were collected, batch after batch")
    func order() {
        let result = served([[(10, Status.syscallStop), (12, Status.syscallStop), (11, Status.exited)],
                             [(12, Status.syscallStop), (10, Status.syscallStop)]])
        #expect(result.events == [.syscall(10), .syscall(12), .exited(11, status: 0), .syscall(12), .syscall(10)])
        #expect(result.superseded == 0)
    }

    /// The sequence of the lost write (exec_while_busy, --no-seccomp --decoding registers, under load): the
    /// leader 100's syscall stop was collected; the sweep then reaped the three busy threads, which let the exec
    /// by thread 104 go on, and collected its exec event under the leader's tid. Served, the stale stop read and
    /// resumed the exec'd program (see WaitBatch.add).
    @Test("a leader's stop collected before an exec took over its tid is dropped; the exec event is served")
    func execTakesTheLeadersTid() {
        let result = served([[(100, Status.syscallStop), (103, Status.exited), (102, Status.exited),
                              (101, Status.exited), (100, Status.execEvent)]])
        #expect(result.events == [.exited(103, status: 0), .exited(102, status: 0), .exited(101, status: 0),
                                  .exec(100)])
        #expect(result.superseded == 1)
    }

    @Test("the stale stop may be the batch's first status or one its sweep found")
    func staleStopAnywhere() {
        let result = served([[(7, Status.syscallStop), (100, Status.syscallStop), (101, Status.exited),
                              (100, Status.execEvent), (7, Status.killed)]])
        #expect(result.events == [.exited(101, status: 0), .exec(100), .killed(7, signal: 9)])
        #expect(result.superseded == 2)
    }

    @Test("an end is never dropped, even when a new task reuses its tid in the same batch")
    func endsAreKept() {
        let result = served([[(5, Status.exited), (6, Status.syscallStop), (5, Status.newTaskStop)]])
        #expect(result.events == [.exited(5, status: 0), .syscall(6), .eventStop(5)])
        #expect(result.superseded == 0)
    }
}
