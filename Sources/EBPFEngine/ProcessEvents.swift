import Kernel
import TraceModel

/// What the program says of the followed processes, besides their calls.
package enum ProcessEvent: Sendable, Equatable {
    /// A new process (thread group) made by `parent`'s fork, vfork or clone without CLONE_THREAD.
    case forked(parent: TaskID, child: TaskID)
    /// A successful exec in `process` (by thread `former`, which now carries the process's id), with the new
    /// program's argv and the current directory it starts in.
    case exec(process: TaskID, former: TaskID, argv: [[UInt8]], cwd: [UInt8], task: BuildTask?)
    /// The last thread of `process` ended; `status` as wait(2) would give it to its parent.
    case exited(process: TaskID, status: Int32)
}

/// The followed processes, from the program's events: which are alive (the trace ends when none is), and,
/// when the report shows it, the process tree with each process's number for the report builder's attribution.
package struct FollowedProcesses {
    private(set) var live: Set<TaskID> = []
    private var records: [ProcessRecord] = []
    private var number: [TaskID: Int] = [:]
    private let keepsRecords: Bool

    package init(keepsRecords: Bool) { self.keepsRecords = keepsRecords }

    /// The command's process, before its exec: its parent is the tracer.
    package mutating func addCommand(_ pid: TaskID, parent: TaskID, argv: [[UInt8]], cwd: [UInt8]) {
        live.insert(pid)
        guard keepsRecords else { return }
        number[pid] = records.count
        records.append(ProcessRecord(pid: pid, parent: parent, argv: argv, cwd: cwd, end: nil))
    }

    package mutating func apply(_ event: ProcessEvent) {
        switch event {
        case .forked(let parent, let child):
            live.insert(child)
            guard keepsRecords else { return }
            // Until it execs, a child runs its parent's program, in its parent's directory.
            let origin = number[parent].map { records[$0] }
            number[child] = records.count
            records.append(ProcessRecord(pid: child, parent: parent, argv: origin?.argv ?? [], cwd: origin?.cwd ?? [],
                                         end: nil, task: origin?.task))
        case .exec(let process, _, let argv, let cwd, let task):
            guard keepsRecords, let index = number[process] else { return }
            records[index].argv = argv
            records[index].cwd = cwd
            records[index].task = BuildTask.inherited(from: records[index].task, exec: task)
        case .exited(let process, let status):
            live.remove(process)
            guard keepsRecords, let index = number.removeValue(forKey: process) else { return }
            records[index].end = Self.end(status)
        }
    }

    /// A process the kernel no longer has, whose exit event was lost: it ends without a known status.
    package mutating func forget(_ process: TaskID) {
        live.remove(process)
        number.removeValue(forKey: process)
    }

    /// The process number of a live process, for the report builder's attribution; nil when not kept.
    package func process(of pid: TaskID) -> Int? { number[pid] }

    /// The argv a process's record holds, when records are kept.
    package func argv(of pid: TaskID) -> [[UInt8]]? { number[pid].map { records[$0].argv } }

    /// The build task a process belongs to now (its record's), for the report builder's per-task sets.
    package func task(of pid: TaskID) -> BuildTask? { number[pid].map { records[$0].task } ?? nil }

    /// The cwd a process's record holds (its last exec's, or its parent's at the fork).
    package func currentDirectory(of pid: TaskID) -> [UInt8]? { number[pid].map { records[$0].cwd } }

    package var processes: [ProcessRecord]? { keepsRecords ? records : nil }

    /// A wait status's meaning (the task's exit_code, which wait(2) would give), read through Kernel's
    /// `WaitStatus` (the <sys/wait.h> macros).
    static func end(_ status: Int32) -> ProcessEnd {
        let status = WaitStatus(raw: status)
        if let code = status.exitCode { return .exited(code) }
        // A dead task's status is an exit or a death by signal, never a stop: not exited is WIFSIGNALED.
        return .killed(signal: status.terminatingSignal ?? 0)
    }
}
