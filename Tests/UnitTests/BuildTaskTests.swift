import Testing
import TraceModel

/// `BuildTask`: the task an exec's environment names, and how processes inherit it.
@Suite struct BuildTaskTests {
    static func environ(_ entries: [String]) -> [UInt8] { entries.flatMap { Array($0.utf8) + [0] } }

    @Test(arguments: [
        (["PATH=/bin", "NX_TASK_TARGET_PROJECT=app", "NX_TASK_TARGET_TARGET=build", "NX_TASK_HASH=123"],
         "app:build", "123"),
        (["NX_TASK_TARGET_PROJECT=lib", "NX_TASK_TARGET_TARGET=build", "NX_TASK_TARGET_CONFIGURATION=production"],
         "lib:build:production", nil),
        (["NX_TASK_TARGET_PROJECT=lib", "NX_TASK_TARGET_TARGET=build", "NX_TASK_TARGET_CONFIGURATION="],
         "lib:build", nil),
        // A value holding '=' keeps it; the last of a duplicated name wins.
        (["NX_TASK_TARGET_PROJECT=a", "NX_TASK_TARGET_PROJECT=b=c", "NX_TASK_TARGET_TARGET=t"], "b=c:t", nil),
    ] as [([String], String, String?)])
    func anEnvironmentNamesATask(entries: [String], name: String, hash: String?) throws {
        let task = try #require(BuildTask(environment: Self.environ(entries)))
        #expect(task.description == name)
        #expect(task.hash == hash)
    }

    @Test(arguments: [
        [],
        ["PATH=/bin", "HOME=/root"],
        ["NX_TASK_TARGET_PROJECT=app"],                                   // no target
        ["NX_TASK_TARGET_PROJECT=", "NX_TASK_TARGET_TARGET=build"],        // empty project
        ["XNX_TASK_TARGET_PROJECT=app", "NX_TASK_TARGET_TARGETS=build"],   // other names
    ])
    func otherEnvironmentsNameNone(entries: [String]) {
        #expect(BuildTask(environment: Self.environ(entries)) == nil)
    }

    @Test func anEnvironmentWithoutItsLastNUL() {
        let bytes = Array("NX_TASK_TARGET_PROJECT=app\0NX_TASK_TARGET_TARGET=build".utf8)
        #expect(BuildTask(environment: bytes)?.description == "app:build")
    }

    @Test func inheritance() {
        let app = BuildTask(project: "app", target: "build"), lib = BuildTask(project: "lib", target: "build")
        #expect(BuildTask.inherited(from: nil, exec: nil) == nil)        // the runner stays the runner
        #expect(BuildTask.inherited(from: nil, exec: app) == app)        // a task's forked process
        #expect(BuildTask.inherited(from: app, exec: nil) == app)        // a tool run with a cleared environment
        #expect(BuildTask.inherited(from: app, exec: lib) == lib)        // an exec that names another task
    }

    /// Accesses count for the task the process belonged to when it made them, net effect per task.
    @Test func theBuilderKeepsEachTasksSets() {
        var builder = ReportBuilder(filter: WorkspaceFilter(roots: [Array("/ws".utf8)], ignoredNames: []))
        let app = BuildTask(project: "app", target: "build")
        func open(_ path: String, _ flags: OpenFlags, _ process: Int) {
            builder.record(FileAccess(path: Array("/ws/\(path)".utf8), flags: flags), process: process)
        }
        open("runner.txt", OpenFlags(accessMode: .readOnly), 0)            // the runner's, before any task
        builder.assign(process: 1, to: app)
        open("src.js", OpenFlags(accessMode: .readOnly), 1)
        open("out.js", .creat, 1)
        open("out.js", OpenFlags(accessMode: .readOnly), 1)                // read back: produced, not an input
        builder.assign(process: 2, to: app)         // a second process of the same task
        open("cfg.json", OpenFlags(accessMode: .readOnly), 2)
        let tasks = builder.taskRecords()
        #expect(tasks.map(\.task) == [app])
        #expect(tasks.first?.inputs.map { String(decoding: $0, as: UTF8.self) } == ["cfg.json", "src.js"])
        #expect(tasks.first?.outputs.map { String(decoding: $0, as: UTF8.self) } == ["out.js"])
        #expect(tasks.first?.writes.map { String(decoding: $0, as: UTF8.self) } == ["out.js"])
    }
}
