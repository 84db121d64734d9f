import PtraceTracer

/// What a traced task did to the workspace, in the terms the check needs.
///
/// The report today has two sets, `reads` and `writes` (opens only). A file in both may have been read
/// before the task wrote it, or produced by the task and read back; the sets cannot tell which, so a read
/// that is also a write is not counted as consumed: a task's own product is never an undeclared input.
/// When the report gains the net-effect keys (`inputs`: read and predating the task; `outputs`;
/// `deletes`), `init(report:)` is the one place to switch: `consumed` becomes `report.inputs` and
/// `produced` the writes, creations and deletes.
public struct TaskAccesses: Sendable, Equatable {
    /// Files the task consumed: read, and not produced by the task itself. Sorted by bytes.
    public var consumed: [[UInt8]]
    /// Files the task wrote, created or deleted. Sorted by bytes.
    public var produced: [[UInt8]]

    public init(consumed: [[UInt8]], produced: [[UInt8]]) {
        self.consumed = consumed
        self.produced = produced
    }

    public init(report: Report) {
        let written = Set(report.writes)
        consumed = report.reads.filter { !written.contains($0) }
        produced = report.writes
    }
}
