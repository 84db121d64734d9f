import Kernel
import TraceModel
/// How the tracer waits for its next stop: it polls briefly before sleeping, and takes every stop already
/// pending in one batch.
///
/// Polling. A stop wakes a sleeping tracer, and the tracer's resume wakes the tracee: on a VM whose idle CPUs
/// halt, each wake-up of an idle CPU costs an interrupt and a VM exit, and a stop costs two. Spinning on
/// `waitpid(WNOHANG)` for up to `pollWindow` after handling a stop catches the next one without the first
/// wake-up: a traced open costs a third as much when the tracee's stops come quickly (BENCHMARKS.md). The
/// spinning is paid for in CPU, so it backs off: after a window that caught nothing, the next 1, 2, 4 ... 64
/// waits sleep at once; and after a process event (a new task, an exec, an exit) the next 40 waits sleep,
/// since a process starting up (the loader mapping libraries, 30-odd stops) or ending ran slower beside a
/// spinning tracer (300 short processes: 1.4x slower with polling, unchanged with this pause).
///
/// Batches. waitpid(-1) returns the first stopped task in the kernel's list, so with many threads the first
/// few are served again and again while the rest wait stopped; after each stop the others already pending
/// are collected and served in turn. A sweep that finds nothing costs a wait4, so after empty sweeps the
/// next ones are spaced out the same way.
struct WaitBatch {
    static let quietWaitsAfterProcessEvent = 40
    static let maxSpacing = 64

    /// Nanoseconds to spin before sleeping; 0 never spins.
    let pollWindow: UInt64
    /// Stops caught while spinning (for `--stats`).
    private(set) var polled = 0
    private var pending: [(TaskID, Int32)] = []
    private var next = 0
    private var waitsBeforeSweep = 0
    private var sweepSpacing = 0
    private var waitsBeforePoll = 0
    private var pollSpacing = 0

    init(pollMicroseconds: Int) { pollWindow = UInt64(max(0, pollMicroseconds)) * 1000 }

    mutating func nextOwnTask() -> Result<(TaskID, Int32), Errno> {
        if next < pending.count {
            defer { next += 1 }
            return .success(pending[next])
        }
        pending.removeAll(keepingCapacity: true)
        next = 0
        let first = poll().map { .success($0) } ?? Wait.nextOwnTask()
        guard case .success(let stop) = first else { return first }
        if waitsBeforeSweep > 0 {
            waitsBeforeSweep -= 1
        } else {
            while let more = Wait.readyOwnTask() { pending.append(more) }
            (waitsBeforeSweep, sweepSpacing) = Self.backOff(found: !pending.isEmpty, spacing: sweepSpacing)
        }
        return .success(stop)
    }

    /// A task was created, exec'd or ended: sleep through the next waits (see above).
    mutating func processEvent() {
        waitsBeforePoll = max(waitsBeforePoll, Self.quietWaitsAfterProcessEvent)
    }

    /// Spins on waitpid(WNOHANG) for up to the window; nil when nothing came (or polling is paused).
    private mutating func poll() -> (TaskID, Int32)? {
        guard pollWindow > 0 else { return nil }
        if waitsBeforePoll > 0 {
            waitsBeforePoll -= 1
            return nil
        }
        let deadline = Wait.monotonicNanoseconds() + pollWindow
        var caught: (TaskID, Int32)?
        repeat {
            caught = Wait.readyOwnTask()
        } while caught == nil && Wait.monotonicNanoseconds() < deadline
        if caught != nil { polled += 1 }
        (waitsBeforePoll, pollSpacing) = Self.backOff(found: caught != nil, spacing: pollSpacing)
        return caught
    }

    /// After a try that found something: try again next time. After one that did not: skip the next 1, 2,
    /// 4 ... maxSpacing waits.
    static func backOff(found: Bool, spacing: Int) -> (skip: Int, spacing: Int) {
        if found { return (0, 0) }
        let spacing = min(max(1, spacing * 2), maxSpacing)
        return (spacing, spacing)
    }
}
