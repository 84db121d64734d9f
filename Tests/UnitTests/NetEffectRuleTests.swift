@testable import TraceModel
@testable import Kernel
@testable import PtraceEngine
@testable import StraceReader
import Testing

/// Issue 5, net effect: the rules NetEffectTests leaves out, each through the whole report (the sets and the
/// net effect together), fed the way the tracer records each call.
@Suite("ReportBuilder: more net-effect rules")
struct NetEffectRuleTests {
    /// A call as the tracer records it: one or two paths (a rename), each with the sets it joins.
    typealias Call = [(path: String, access: Access)]

    static func rename(_ from: String, _ to: String) -> Call { [(from, .delete), (to, .write)] }
    static func exchange(_ a: String, _ b: String) -> Call { [(a, .write), (b, .write)] }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let calls: [Call]
        let deletes: [String]
        let inputs: [String]
        let outputs: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "created then deleted: neither, but in deletes", calls: [[("t", .write)], [("t", .delete)]],
             deletes: ["t"], inputs: [], outputs: []),
        Case(name: "a pre-existing file deleted: in deletes, not an output, not an input", calls: [[("p", .delete)]],
             deletes: ["p"], inputs: [], outputs: []),
        // The content that b now holds predates the task, but no call of the task read it: b's first touch
        // replaced its name's content, so b is an output and not an input; a is neither.
        Case(name: "a pre-existing file renamed a -> b: a deleted, b an output, b no input",
             calls: [rename("a", "b")], deletes: ["a"], inputs: [], outputs: ["b"]),
        Case(name: "read, then renamed away: an input, no output; the new name an output",
             calls: [[("a", .read)], rename("a", "b")], deletes: ["a"], inputs: ["a"], outputs: ["b"]),
        Case(name: "renamed, then the new name read: an output, not an input",
             calls: [rename("a", "b"), [("b", .read)]], deletes: ["a"], inputs: [], outputs: ["b"]),
        Case(name: "atomic replace of an input: read, tmp written, renamed over it: input and output",
             calls: [[("f", .read)], [("f.tmp", .write)], rename("f.tmp", "f")], deletes: ["f.tmp"],
             inputs: ["f"], outputs: ["f"]),
        Case(name: "RENAME_EXCHANGE of two pre-existing files: both outputs, no deletes, no inputs",
             calls: [exchange("x", "y")], deletes: [], inputs: [], outputs: ["x", "y"]),
        Case(name: "written, then renamed away: neither (the new name is the output)",
             calls: [[("o", .write)], rename("o", "final")], deletes: ["o"], inputs: [], outputs: ["final"]),
        Case(name: "executed, then overwritten: input and output",
             calls: [[("tool", .execute)], [("tool", .write)]], deletes: [], inputs: ["tool"], outputs: ["tool"]),
        Case(name: "probed, then written: the probe does not make an input",
             calls: [[("f", .probe)], [("f", .write)]], deletes: [], inputs: [], outputs: ["f"]),
        Case(name: "a directory made and listed is neither",
             calls: [[("d", .directory)], [("d", .list)]], deletes: [], inputs: [], outputs: []),
    ]

    @Test("the rule", arguments: cases)
    func rule(_ rule: Case) {
        var builder = ReportBuilder(filter: WorkspaceFilter(roots: [bytes("/ws")], ignoredNames: []))
        for call in rule.calls {
            builder.record(PendingCall(onSuccess: call.map { (bytes($0.path), $0.access) }, missingOnFailure: nil),
                           failure: nil)
        }
        let report = builder.build(command: [bytes("cmd")], outcome: .exited(0))
        #expect(report.deletes == rule.deletes.map(bytes), "deletes")
        #expect(report.inputs == rule.inputs.map(bytes), "inputs")
        #expect(report.outputs == rule.outputs.map(bytes), "outputs")
    }

    @Test("a rename as the decoder builds it: the source deleted, the target written")
    func pendingRename() {
        let builder = ReportBuilder(filter: WorkspaceFilter(roots: [bytes("/ws")], ignoredNames: []))
        let plain = builder.pendingRename(from: bytes("/ws/a"), to: bytes("/ws/b"), exchange: false)
        #expect(plain.onSuccess.map { $0.relativePath } == [bytes("a"), bytes("b")])
        #expect(plain.onSuccess.map { $0.access } == [.delete, .write])
        let swapped = builder.pendingRename(from: bytes("/ws/a"), to: bytes("/ws/b"), exchange: true)
        #expect(swapped.onSuccess.map { $0.access } == [.write, .write])
        // Renamed out of the workspace: only the deletion is ours; renamed in: only the write.
        #expect(builder.pendingRename(from: bytes("/ws/a"), to: bytes("/elsewhere"), exchange: false)
            .onSuccess.map { $0.relativePath } == [bytes("a")])
        #expect(builder.pendingRename(from: bytes("/elsewhere"), to: bytes("/ws/b"), exchange: false)
            .onSuccess.map { $0.access } == [.write])
    }
}
