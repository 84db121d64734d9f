@testable import TraceModel
@testable import Kernel
@testable import PtraceEngine
@testable import StraceReader
import Testing

/// Issue 5, net effect: `inputs` and `outputs` from the order of each path's calls.
@Suite("ReportBuilder: net effect (inputs, outputs)")
struct NetEffectTests {
    typealias Step = (path: String, access: Access)

    /// One row per rule: the calls in order, and the expected inputs and outputs.
    static let cases: [(String, [Step], [String], [String])] = [
        ("read only: an input", [("a", .read)], ["a"], []),
        ("executed: an input", [("tool", .execute)], ["tool"], []),
        ("written only: an output", [("o", .write)], [], ["o"]),
        ("written then read: an output, not an input", [("o", .write), ("o", .read)], [], ["o"]),
        ("read then written: both", [("f", .read), ("f", .write)], ["f"], ["f"]),
        ("O_RDWR (read and write in one open): both", [("f", [.read, .write])], ["f"], ["f"]),
        ("a temporary: written then deleted is neither", [("t", .write), ("t", .read), ("t", .delete)], [], []),
        ("read then deleted: an input, no output", [("a", .read), ("a", .delete)], ["a"], []),
        ("deleted then written: an output, not an input", [("a", .delete), ("a", .write), ("a", .read)], [], ["a"]),
        ("atomic write: tmp written, renamed over the target",
         [("tmp", .write), ("tmp", .delete), ("target", .write)], [], ["target"]),
        ("written, deleted, written again: an output", [("o", .write), ("o", .delete), ("o", .write)], [], ["o"]),
        ("probes, listings and directories are neither",
         [("p", .probe), ("d", .list), ("m", .directory)], [], []),
    ]

    @Test("the rules", arguments: cases.indices)
    func rules(_ index: Int) {
        let (name, steps, inputs, outputs) = Self.cases[index]
        var builder = ReportBuilder(filter: WorkspaceFilter(roots: [bytes("/ws")], ignoredNames: []))
        for step in steps {
            builder.record(PendingCall(onSuccess: [(bytes(step.path), step.access)], missingOnFailure: nil),
                           failure: nil)
        }
        let report = builder.build(command: [bytes("cmd")], outcome: .exited(0))
        #expect(report.inputs == inputs.map(bytes), "\(name)")
        #expect(report.outputs == outputs.map(bytes), "\(name)")
    }

    @Test("a failed call changes nothing")
    func failures() {
        var builder = ReportBuilder(filter: WorkspaceFilter(roots: [bytes("/ws")], ignoredNames: []))
        builder.record(PendingCall(onSuccess: [(bytes("a"), .write)], missingOnFailure: nil), failure: .noSuchFile)
        builder.record(PendingCall(onSuccess: [(bytes("a"), .read)], missingOnFailure: nil), failure: nil)
        #expect(builder.build(command: [], outcome: .exited(0)).inputs == [bytes("a")])
    }
}
