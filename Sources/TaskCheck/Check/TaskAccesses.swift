import TraceModel

/// What a traced task did to the workspace, in the terms the check needs, from the report's net effect.
public struct TaskAccesses: Sendable, Equatable {
    /// Files the task consumed: read or executed, with content that predates the task (the report's
    /// `inputs`); a file the task produced and read back is not one. Sorted by bytes.
    public var consumed: [[UInt8]]
    /// Files the task wrote (opened for writing, renamed or linked to, truncated) or deleted, temporaries
    /// included. A directory it only made is not one: the files written into it are. Sorted by bytes.
    public var produced: [[UInt8]]
    /// Paths the task looked up and did not find (the report's `missing`). Sorted by bytes.
    public var missing: [[UInt8]]

    public init(consumed: [[UInt8]], produced: [[UInt8]], missing: [[UInt8]] = []) {
        self.consumed = consumed
        self.produced = produced
        self.missing = missing
    }

    public init(report: Report) {
        consumed = report.inputs
        produced = Array(Set(report.writes).union(report.deletes)).sorted { $0.lexicographicallyPrecedes($1) }
        missing = report.missing
    }
}
