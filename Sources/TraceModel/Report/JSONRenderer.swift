/// The JSON report: one object, `reads` and `writes` as the proof of concept named them, then the other sets
/// in `PathSet` order. Names are written as `JSONWriter` says: as they are when they are plain UTF-8, else in
/// the text report's quoted form, with their exact bytes under `nameBytes`.
public enum JSONRenderer {
    public static func render(_ report: Report) -> [UInt8] {
        JSONWriter.document { json in
            json.member("version", number: 1)
            json.member("command", names: report.command)
            json.member("workspace", name: report.workspace)
            if !report.engine.isEmpty { json.member("engine", string: report.engine) }
            json.member("exitCode", number: report.outcome.exitStatus)
            outcome(report.outcome, into: &json)
            for set in PathSet.allCases { json.member(set.key, names: report[set]) }
            json.member("warnings", strings: report.warnings)
            if let processes = report.processes {
                json.key("processes")
                json.array { json in
                    for process in processes { self.process(process, into: &json) }
                }
            }
        }
    }

    /// A process's `exitCode` and `signal`: the one that does not apply null, both null when its end was not seen.
    public static func end(_ end: ProcessEnd?, into json: inout JSONWriter) {
        var exitCode: Int32?, signal: Int32?
        switch end {
        case .exited(let code): exitCode = code
        case .killed(let number): signal = number
        case nil: break
        }
        json.member("exitCode", number: exitCode)
        json.member("signal", number: signal)
    }

    /// `signal` when the command was killed, `error` when it could not be run; nothing when it exited.
    public static func outcome(_ outcome: CommandOutcome, into json: inout JSONWriter) {
        switch outcome {
        case .exited: break
        case .killed(let signal): json.member("signal", number: signal)
        case .execFailed(let error): json.member("error", string: error.description)
        }
    }

    /// One element of `processes`. `exitCode` and `signal` are both always there, the one that does not apply
    /// (or both, when the end was not seen) null.
    private static func process(_ process: ProcessRecord, into json: inout JSONWriter) {
        json.object { json in
            json.member("pid", number: process.pid)
            json.member("parent", number: process.parent)
            json.member("argv", names: process.argv)
            json.member("cwd", name: process.cwd)
            end(process.end, into: &json)
            json.member("reads", names: process.reads)
            json.member("writes", names: process.writes)
            json.member("task", optional: process.task?.description)
            json.member("taskHash", optional: process.task?.hash)
        }
    }
}
