import Kernel
import TraceModel

/// The ptrace engine's side of the event stream (`TraceConfiguration.events`): each call recorded into the
/// report builder, passed on as `TraceEvent`s with the process that made it.
struct EventEmitter {
    let sink: any EventSink
    /// Each task's thread group, read once from /proc/TID/status (a stop names only the thread).
    private var threadGroups: [TaskID: TaskID] = [:]

    init(sink: any EventSink) { self.sink = sink }

    /// What `ReportBuilder.record` was just given for `task`'s call.
    mutating func emit(_ pending: PendingCall, failure: Errno?, openedDirectory: Bool = false, task: TaskID) {
        let pid = threadGroup(of: task)
        for event in TraceEvent.events(of: pending, failure: failure, openedDirectory: openedDirectory, pid: pid,
                                       tid: task) {
            sink.record(event)
        }
    }

    /// At a task's end: its tid may be reused by a task of another process.
    mutating func forget(_ task: TaskID) { threadGroups[task] = nil }

    private mutating func threadGroup(of task: TaskID) -> TaskID {
        if let known = threadGroups[task] { return known }
        // A task gone before its first event is its own group, as far as anyone can still tell.
        let group = (try? ProcFS.identity(of: task).get())?.threadGroup ?? task
        threadGroups[task] = group
        return group
    }
}
