import Foundation
import Testing

/// Issue 11: `iotrace-native check -- RUNNER` checks every task of a run at once. The runner is
/// Fixtures/nx-standin/nx.mjs, a stand-in for Nx's task runner (the real nx cannot be installed here): a
/// forked node process per task with NX_TASK_TARGET_* and NX_TASK_HASH in its environment, a shell for the
/// command, two tasks at once, and a daemon that leaves the session and outlives the run.
@Suite("check of a whole run", .serialized, .timeLimit(.minutes(3)))
struct RunCheckTests {
    static let standIn = Locations.repository + "/Fixtures/nx-standin/nx.mjs"

    func check(_ runArguments: [String], json: Bool = false, in workspace: TemporaryWorkspace? = nil)
        throws -> (Run, TemporaryWorkspace, Double) {
        let workspace = try workspace ?? TemporaryWorkspace()
        let start = Date()
        let run = try Run.iotrace(["check", "-o", "-"] + (json ? ["--format", "json"] : [])
                                  + ["--", "node", Self.standIn, "run-many"] + runArguments, in: workspace.path)
        return (run, workspace, Date().timeIntervalSince(start))
    }

    static func tasks(_ report: [String: Any]) -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: ((report["tasks"] as? [[String: Any]]) ?? [])
            .map { ($0["task"] as! String, $0) })
    }

    @Test func aCleanTaskAndItsDependencyInputs() throws {
        let (run, _, _) = try check(["-t", "build", "--no-daemon"], json: true)
        let report = try run.jsonReport()
        let tasks = Self.tasks(report)
        #expect(Set(tasks.keys) == ["app:build", "lib:build"], "\(run.stdout)")
        let app = try #require(tasks["app:build"])
        #expect(app["clean"] as? Bool == true, "\(run.stdout)")
        #expect((app["dependencyReads"] as? [[String: String]])
                    == [["project": "lib", "path": "libs/lib/src/index.js"]])
        #expect((app["taskHash"] as? String)?.isEmpty == false)
        // Its processes: nx's forked task process, the shell, node running the build.
        let processes = try #require(app["processes"] as? [[String: Any]])
        #expect(processes.count >= 2, "\(run.stdout)")
        #expect((processes.first?["argv"] as? [String])?.contains("--task-process") == true)
        // The runner (the stand-in itself) belongs to no task.
        let runner = try #require(report["runner"] as? [[String: Any]])
        #expect((runner.first?["argv"] as? [String])?.contains("run-many") == true)
    }

    @Test func aWriteOutsideTheOutputsAndAnOutputNeverWritten() throws {
        let workspace = try TemporaryWorkspace()
        // Without the sandboxing config, lib:build's tmp/lib.tsbuildinfo is an undeclared write.
        try FileManager.default.removeItem(atPath: workspace.path + "/.nx/workflows/sandboxing-config.yaml")
        let (run, _, _) = try check(["-t", "build", "--no-daemon"], json: true, in: workspace)
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        let lib = try #require(Self.tasks(try run.jsonReport())["lib:build"])
        #expect(lib["undeclaredWrites"] as? [String] == ["tmp/lib.tsbuildinfo"])
        #expect(lib["unwrittenOutputs"] as? [String] == ["libs/lib/types"])
        #expect(lib["clean"] as? Bool == false)
    }

    @Test func anUndeclaredReadInText() throws {
        let (run, _, _) = try check(["-t", "bundle", "--no-daemon"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("CHECK run: 1 task, 1 with violations"), "\(run.stdout)")
        #expect(run.stdout.contains("CHECK app:bundle: 1 violation"))
        #expect(run.stdout.contains("apps/app/  1 file  → add to inputs: {projectRoot}/app.config.json"))
        #expect(run.stdout.contains("--skip-nx-cache"))
    }

    /// lib:build and app:bundle have no dependency between them: the stand-in runs them at once, and each is
    /// checked on its own accesses (app:bundle's undeclared read is not lib:build's).
    @Test func twoTasksAtOnceAreKeptApart() throws {
        let (run, _, _) = try check(["-t", "build", "bundle", "--no-daemon"], json: true)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let firstDone = try #require(lines.firstIndex { $0.hasPrefix("done ") }, "\(run.stdout)")
        let starts = lines[..<firstDone].filter { $0.hasPrefix("start ") }
        #expect(Set(starts) == ["start lib:build", "start app:bundle"], "both ran at once\n\(run.stdout)")
        let tasks = Self.tasks(try run.jsonReport())
        #expect(tasks["app:bundle"]?["undeclaredReads"] as? [String] == ["apps/app/app.config.json"])
        #expect(tasks["lib:build"]?["undeclaredReads"] as? [String] == [])
        #expect(tasks["app:build"]?["clean"] as? Bool == true)
        #expect(run.status == 1)
    }

    /// app:build reads lib:build's output, declared through a `dependentTasksOutputFiles` input.
    @Test func aTaskReadingAnotherTasksOutputThroughDependencyInputs() throws {
        let workspace = try TemporaryWorkspace()
        let file = workspace.path + "/apps/app/project.json"
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "--src libs/lib/src --out dist/apps/app/main.js\"",
                                         with: "--src libs/lib/src --read dist/libs/lib/index.js "
                                             + "--out dist/apps/app/main.js\",\n"
                                             + "      \"inputs\": [\"production\", \"^production\", "
                                             + "{\"dependentTasksOutputFiles\": \"**/*.js\", \"transitive\": true}]")
        try workspace.write("apps/app/project.json", text)
        let (run, _, _) = try check(["-t", "build", "--no-daemon"], json: true, in: workspace)
        let app = try #require(Self.tasks(try run.jsonReport())["app:build"], "\(run.stdout)")
        #expect(app["clean"] as? Bool == true, "\(run.stdout)")
        let reads = (app["dependencyReads"] as? [[String: String]]) ?? []
        #expect(reads.contains(["project": "dependentTasksOutputFiles", "path": "dist/libs/lib/index.js"]),
                "\(run.stdout)")
    }

    @Test func allCleanExitsZeroAndAFailedRunGivesItsStatus() throws {
        let (clean, _, _) = try check(["-t", "build", "--no-daemon"], in: {
            let workspace = try TemporaryWorkspace()
            // lib:build's outputs, fixed: no types directory declared.
            let file = workspace.path + "/libs/lib/project.json"
            let text = try String(contentsOfFile: file, encoding: .utf8)
                .replacingOccurrences(of: ", \"{projectRoot}/types\"", with: "")
            try workspace.write("libs/lib/project.json", text)
            return workspace
        }())
        #expect(clean.status == 0, "\(clean.stdout)\n\(clean.stderr)")
        #expect(clean.stdout.contains("CHECK run: 2 tasks, all clean"), "\(clean.stdout)")
        let workspace = try TemporaryWorkspace()
        try workspace.write("apps/app/project.json",
                            try String(contentsOfFile: workspace.path + "/apps/app/project.json", encoding: .utf8)
                                .replacingOccurrences(of: "--read apps/app/app.config.json",
                                                      with: "--read missing.json"))
        let (failed, _, _) = try check(["-t", "bundle", "--no-daemon"], in: workspace)
        #expect(failed.status == 1, "the run's own status\n\(failed.stdout)\n\(failed.stderr)")
        #expect(failed.stdout.contains("the run failed: exit status 1"), "\(failed.stdout)")
        #expect(failed.stdout.contains("the command failed: exit status 1"), "the task's own status\n\(failed.stdout)")
    }

    @Test func aRunWithNoTaskSaysSo() throws {
        let workspace = try TemporaryWorkspace()
        let run = try Run.iotrace(["check", "-o", "-", "--", "node", "tools/build.mjs", "--src", "libs/lib/src",
                                   "--out", "dist/x.js"], in: workspace.path)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("CHECK run: no task"), "\(run.stdout)")
        #expect(run.stdout.contains("check --nx PROJECT:TARGET -- COMMAND"))
    }

    /// The stand-in's daemon outlives the run, as nx's does: the check ends with the run, names it, and the
    /// daemon still does its work (it writes .nx/workspace-data/daemon.json a second after it started).
    @Test func theDaemonDoesNotHoldTheCheck() throws {
        let (run, workspace, seconds) = try check(["-t", "build"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(seconds < 2.5, "the check waited for the daemon (\(seconds) s)")
        #expect(run.stdout.contains("WARNINGS:\n  - daemon "), "\(run.stdout)")
        #expect(run.stdout.contains("--daemon"), "\(run.stdout)")
        let deadline = Date().addingTimeInterval(5)
        while !workspace.exists(".nx/workspace-data/daemon.json") && Date() < deadline { usleep(50_000) }
        #expect(workspace.exists(".nx/workspace-data/daemon.json"), "the daemon could not do its work")
    }
}
