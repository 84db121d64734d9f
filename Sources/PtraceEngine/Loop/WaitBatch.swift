import Kernel
import TraceModel

/// Where a batch's statuses come from: waitpid(2) for the calling thread's own tasks, or a test's script.
protocol WaitSource {
    /// Blocks until a task stops or ends; ECHILD when none is left.
    func next() -> Result<(TaskID, Int32), Errno>
    /// A task's stop or end if one is ready now, without blocking.
    func ready() -> (TaskID, Int32)?
    /// CLOCK_MONOTONIC, in nanoseconds.
    func nanoseconds() -> UInt64
}

/// The kernel's waits: `Wait`'s `__WALL | __WNOTHREAD` waitpid(-1).
struct OwnTasks: WaitSource {
    func next() -> Result<(TaskID, Int32), Errno> { Wait.nextOwnTask() }
    func ready() -> (TaskID, Int32)? { Wait.readyOwnTask() }
    func nanoseconds() -> UInt64 { Wait.monotonicNanoseconds() }
}

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
///
/// A batch's stops wait to be served while the tasks go on: a stop that a later status of the same tid in the
/// batch supersedes is dropped (see `add`).
struct WaitBatch {
    static let quietWaitsAfterProcessEvent = 40
    static let maxSpacing = 64

    /// Nanoseconds to spin before sleeping; 0 never spins.
    let pollWindow: UInt64
    /// Stops caught while spinning (for `--stats`).
    private(set) var polled = 0
    /// Stops dropped from a batch because a later status of their tid superseded them (see `add`).
    private(set) var superseded = 0
    private let source: any WaitSource
    private var pending: [StopEvent] = []
    /// The tids in `pending`: a status of one of them may supersede its earlier stop.
    private var pendingTasks: Set<TaskID> = []
    private var next = 0
    private var waitsBeforeSweep = 0
    private var sweepSpacing = 0
    private var waitsBeforePoll = 0
    private var pollSpacing = 0

    init(pollMicroseconds: Int, source: any WaitSource = OwnTasks()) {
        pollWindow = UInt64(max(0, pollMicroseconds)) * 1000
        self.source = source
    }

    /// The next stop or end to serve: the rest of the current batch, else the first of a new one.
    mutating func nextStop() -> Result<StopEvent, Errno> {
        if next < pending.count {
            defer { next += 1 }
            return .success(pending[next])
        }
        pending.removeAll(keepingCapacity: true)
        pendingTasks.removeAll(keepingCapacity: true)
        next = 0
        switch poll().map({ .success($0) }) ?? source.next() {
        case .success(let (task, status)): add(StopEvent(task: task, status: status))
        case .failure(let error): return .failure(error)
        }
        if waitsBeforeSweep > 0 {
            waitsBeforeSweep -= 1
        } else {
            var found = false
            while let (task, status) = source.ready() {
                add(StopEvent(task: task, status: status))
                found = true
            }
            (waitsBeforeSweep, sweepSpacing) = Self.backOff(found: found, spacing: sweepSpacing)
        }
        // `add` may have dropped the first status, never the last one it added: the batch is not empty.
        next = 1
        return .success(pending[0])
    }

    /// Adds a status to the batch, dropping an earlier stop of the same tid that it supersedes.
    ///
    /// A task in a ptrace-stop reports nothing more until it is resumed, and only serving its stop resumes it;
    /// so a second status of the same tid in one batch means that the task that made the first is gone: killed
    /// while stopped (the second is then its end), or killed and its tid taken over by an exec. When a thread
    /// other than the leader execs, the kernel kills the other threads, waits until the traced ones are reaped
    /// (which this very sweep may do), and gives the execing thread the leader's tid, under which it reports
    /// PTRACE_EVENT_EXEC (ptrace(2), "execve(2) under ptrace"). The leader's stop, collected before and served
    /// after, would act on the exec'd program: its registers read as the dead leader's call, and the program
    /// resumed from its exec stop before the exec event is served. Stepping, that event's handler then expects
    /// the execve's exit stop that has already gone by, takes every later entry for an exit, and every call the
    /// program makes is lost without a warning. Only a batch can serve such a stale stop: until the exec event
    /// has been collected, the kernel refuses requests on the new tid (ESRCH; kernel/ptrace.c,
    /// looks_like_a_spurious_pid). Nothing is lost by the drop: the stopped task is dead, and the exec event
    /// moves the execing thread's own state onto the tid (`Tracer.handleExec`).
    private mutating func add(_ event: StopEvent) {
        let task = event.task
        if !pendingTasks.insert(task).inserted,
           let earlier = pending.firstIndex(where: { $0.task == task && $0.isStop })
        {
            pending.remove(at: earlier)
            superseded += 1
        }
        pending.append(event)
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
        let deadline = source.nanoseconds() + pollWindow
        var caught: (TaskID, Int32)?
        repeat {
            caught = source.ready()
        } while caught == nil && source.nanoseconds() < deadline
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
