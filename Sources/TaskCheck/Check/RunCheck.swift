import TraceModel

/// `check` of a whole run (Nx's `run-many`, `affected`, `run`): every build task the traced run contains, each
/// held against its own declarations. The tasks and what they did come from the report (`Report.tasks`,
/// `ProcessRecord.task`), whichever engine filled it.
public struct RunCheck: Sendable {
    /// One task of the run.
    public struct Task: Sendable {
        public var record: TaskRecord
        /// Its processes, in the order first seen: the first is the one the runner started for it.
        public var processes: [ProcessRecord]
        /// Its check; nil when its declarations could not be read (`error` says why).
        public var result: CheckResult?
        public var error: String?
    }

    public var report: Report
    public var tasks: [Task]

    public init(report: Report, tasks: [Task]) {
        self.report = report
        self.tasks = tasks
    }

    /// The run's tasks, each with its processes and a report of its own (`taskReport`), not yet checked.
    public static func tasks(of report: Report) -> [Task] {
        (report.tasks ?? []).map { record in
            let processes = (report.processes ?? []).filter { $0.task?.description == record.task.description }
            return Task(record: record, processes: processes)
        }
    }

    /// What the checker needs of one task: its own sets, and as its command and outcome those of the process the
    /// runner started for it (nx's forked task process), so that a failed task says so.
    public static func taskReport(_ task: Task, run: Report) -> Report {
        let first = task.processes.first
        let outcome: CommandOutcome
        switch first?.end {
        case .exited(let code): outcome = .exited(code)
        case .killed(let signal): outcome = .killed(signal: signal)
        case nil: outcome = .exited(0)
        }
        let record = task.record
        return Report(command: first?.argv ?? [], workspace: run.workspace, outcome: outcome, reads: record.reads,
                      writes: record.writes, missing: record.missing, deletes: record.deletes, inputs: record.inputs,
                      outputs: record.outputs)
    }

    /// What one task consumed and produced, in the checker's terms.
    public static func accesses(_ record: TaskRecord) -> TaskAccesses {
        TaskAccesses(consumed: record.inputs,
                     produced: Array(Set(record.writes).union(record.deletes))
                         .sorted { $0.lexicographicallyPrecedes($1) },
                     missing: record.missing)
    }

    public var violationCount: Int { tasks.reduce(0) { $0 + ($1.result?.violationCount ?? 0) } }

    /// The run's own status when it failed; else 125 when a task's declarations could not be read; else 1 when
    /// a task has a violation; else 0 (a run with no task included).
    public var exitStatus: Int32 {
        let status = report.outcome.exitStatus
        if status != 0 { return status }
        if tasks.contains(where: { $0.result == nil }) { return 125 }
        return violationCount > 0 ? 1 : 0
    }
}

/// The whole run's check as text: a heading, then one section per task with violations (the single-task
/// report), one line per clean task, then what was not checked and the run's warnings.
public enum RunCheckTextRenderer {
    public static let noTasks =
        "the traced run contains no Nx task: no process was started with NX_TASK_TARGET_PROJECT "
        + "and NX_TASK_TARGET_TARGET in its environment. Tasks restored from Nx's cache do not run (pass "
        + "--skip-nx-cache); to check a single command, give its task: iotrace-native check --nx PROJECT:TARGET -- "
        + "COMMAND, or globs: check --inputs GLOB... --outputs GLOB... -- COMMAND"

    public static func render(_ run: RunCheck) -> [UInt8] {
        var out = [UInt8]()
        func line(_ text: String = "") { out += Array((text + "\n").utf8) }
        let failing = run.tasks.filter { ($0.result?.isClean ?? false) == false }
        let command = run.report.command.map { String(decoding: TextRenderer.display($0), as: UTF8.self) }
            .joined(separator: " ")
        if run.tasks.isEmpty {
            line("CHECK run: no task (\(command))")
            line("  \(noTasks)")
        } else {
            let count = run.tasks.count
            line("CHECK run: \(count) task\(count == 1 ? "" : "s"), " + (failing.isEmpty ? "all clean"
                : "\(failing.count) with violations or not checked") + " (\(command))")
        }
        switch run.report.outcome {
        case .exited(0): break
        case .exited(let code): line("  the run failed: exit status \(code)")
        case .killed(let signal): line("  the run was killed by signal \(signal)")
        case .execFailed(let error): line("  the run could not be started: \(error)")
        }
        // Clean tasks first, one line each; then a section per task with violations or not checked.
        for task in run.tasks {
            guard let result = task.result, result.isClean else { continue }
            let first = CheckTextRenderer.render(result).split(separator: UInt8(ascii: "\n")).first ?? []
            out += Array(first) + [UInt8(ascii: "\n")]
        }
        for task in run.tasks where task.result?.isClean != true {
            line()
            if let result = task.result {
                out += CheckTextRenderer.render(result)
            } else {
                line("CHECK \(task.record.task): not checked: \(task.error ?? "no declarations")")
            }
        }
        if !run.tasks.isEmpty {
            line()
            line("Only tasks that ran are checked: tasks restored from Nx's cache are not (pass --skip-nx-cache).")
        }
        if !run.report.warnings.isEmpty {
            line()
            line("WARNINGS:")
            for warning in run.report.warnings { line("  - \(warning)") }
        }
        return out
    }
}

/// The whole run's check as one JSON object: the run's `command`, `exitCode`, `clean`, `violations`, and
/// `tasks`, one object per task: the single-task check's keys, plus `processes` (pid, parent, argv, exitCode,
/// signal) and `error` (null, or why its declarations could not be read). Keys may be added, never removed.
public enum RunCheckJSONRenderer {
    public static func render(_ run: RunCheck) -> [UInt8] {
        JSONWriter.document { json in
            json.member("version", number: 1)
            json.member("command", names: run.report.command)
            json.member("workspace", name: run.report.workspace)
            json.member("exitCode", number: run.exitStatus)
            json.member("commandExitCode", number: run.report.outcome.exitStatus)
            json.member("clean", bool: run.exitStatus == 0 && !run.tasks.isEmpty)
            json.member("violations", number: run.violationCount)
            json.key("tasks")
            json.array { json in
                for task in run.tasks { self.task(task, into: &json) }
            }
            json.key("runner")
            processes((run.report.processes ?? []).filter { $0.task == nil }, into: &json)
            json.member("warnings", strings: run.report.warnings)
            if run.tasks.isEmpty { json.member("note", string: RunCheckTextRenderer.noTasks) }
        }
    }

    /// One task: the single-task check's members, then `error`, `taskHash` and `processes`.
    private static func task(_ task: RunCheck.Task, into json: inout JSONWriter) {
        json.object { json in
            if let result = task.result {
                CheckJSONRenderer.members(result, into: &json)
                json.member("error", raw: "null")
            } else {
                json.member("task", string: task.record.task.description)
                json.member("clean", bool: false)
                json.member("violations", number: 0)
                json.member("error", string: task.error ?? "no declarations")
            }
            if let hash = task.record.task.hash { json.member("taskHash", string: hash) } else {
                json.member("taskHash", raw: "null")
            }
            json.key("processes")
            processes(task.processes, into: &json)
        }
    }

    static func processes(_ processes: [ProcessRecord], into json: inout JSONWriter) {
        json.array { json in
            for process in processes {
                json.object(compact: true) { json in
                    json.member("pid", number: process.pid)
                    json.member("parent", number: process.parent)
                    json.member("argv", names: process.argv)
                    JSONRenderer.end(process.end, into: &json)
                }
            }
        }
    }
}
