import Foundation
import Testing

/// `iotrace-native check` end to end: each task of the fixture Nx workspace run and traced for real, in a copy
/// of the workspace, with the text and the JSON report and the exit statuses the issue asks for.
@Suite("check end to end", .timeLimit(.minutes(2)))
struct CheckCommandTests {
    /// The fixture's targets and the commands their project.json gives (run here with plain node).
    static let commands: [String: [String]] = [
        "app:build": ["node", "tools/build.mjs", "--src", "apps/app/src", "--src", "libs/lib/src",
                      "--out", "dist/apps/app/main.js"],
        "app:bundle": ["node", "tools/build.mjs", "--src", "apps/app/src", "--read", "apps/app/app.config.json",
                       "--out", "dist/apps/app-bundle/bundle.js"],
        "app:package-zip": ["node", "tools/build.mjs", "--src", "apps/app/src", "--out", "dist/apps/app-package/app.js",
                            "--write", "tmp/package/app.log", "--write", "tmp/package/app.manifest"],
        "lib:build": ["node", "tools/build.mjs", "--src", "libs/lib/src", "--out", "dist/libs/lib/index.js",
                      "--write", "tmp/lib.tsbuildinfo"],
    ]

    /// The commands in the fixture's project.json files are the ones this test runs.
    @Test func theFixtureCommandsAreTheProjectJSONOnes() throws {
        for (task, command) in Self.commands {
            let parts = task.split(separator: ":")
            let file = Locations.nxWorkspace + (parts[0] == "app" ? "/apps/app" : "/libs/lib") + "/project.json"
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file)))
                as? [String: Any]
            let targets = json?["targets"] as? [String: Any]
            let target = targets?[String(parts[1])] as? [String: Any]
            #expect(target?["command"] as? String == command.joined(separator: " "), "\(task)")
        }
    }

    func check(_ task: String, json: Bool = false, extra: [String] = [], command: [String]? = nil,
               in workspace: TemporaryWorkspace? = nil) throws -> (Run, TemporaryWorkspace) {
        let workspace = try workspace ?? TemporaryWorkspace()
        let run = try Run.iotrace(["check", "--nx", task, "-o", "-"] + (json ? ["--format", "json"] : []) + extra
                                  + ["--"] + (command ?? Self.commands[task]!), in: workspace.path)
        return (run, workspace)
    }

    @Test func theCleanTaskExitsZero() throws {
        let (run, workspace) = try check("app:build")
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("CHECK app:build: clean (3 declared inputs read, 1 declared output file written)"))
        #expect(run.stdout.contains("DEPENDENCY INPUTS"))
        #expect(run.stdout.contains("libs/lib/src/index.js  (lib)"))
        #expect(run.stdout.contains("- read .browserslistrc"))  // excluded by the sandboxing config
        #expect(!run.stdout.contains("UNDECLARED"))
        #expect(workspace.exists("dist/apps/app/main.js"))
        #expect(!FileManager.default.fileExists(atPath: Locations.nxWorkspace + "/dist"))
    }

    @Test func theCleanTaskInJSON() throws {
        let (run, _) = try check("app:build", json: true)
        #expect(run.status == 0)
        let report = try run.jsonReport()
        #expect(report["clean"] as? Bool == true)
        #expect(report["exitCode"] as? Int == 0)
        #expect(report["task"] as? String == "app:build")
        #expect((report["undeclaredReads"] as? [String])?.isEmpty == true)
        #expect((report["dependencyReads"] as? [[String: String]])
                    == [["project": "lib", "path": "libs/lib/src/index.js"]])
        #expect(report["excludedReads"] as? [String] == [".browserslistrc"])
        #expect(report["outputs"] as? [String] == ["dist/apps/app"])
        #expect(report["notChecked"] as? [String] == ["runtime: node --version"])
    }

    @Test func anUndeclaredConfigRead() throws {
        let (run, _) = try check("app:bundle")
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("CHECK app:bundle: 1 violation"))
        #expect(run.stdout.contains("UNDECLARED READS: consumed, matched by no input or output (1 file):"))
        #expect(run.stdout.contains("apps/app/  1 file  → add to inputs: {projectRoot}/app.config.json"))
        let (jsonRun, _) = try check("app:bundle", json: true)
        #expect(jsonRun.status == 1)
        let report = try jsonRun.jsonReport()
        #expect(report["undeclaredReads"] as? [String] == ["apps/app/app.config.json"])
        let groups = (report["groups"] as? [String: Any])?["undeclaredReads"] as? [[String: Any]]
        #expect(groups?.first?["suggestion"] as? String == "{projectRoot}/app.config.json")
        #expect(groups?.first?["count"] as? Int == 1)
    }

    @Test func writesOutsideTheOutputs() throws {
        let (run, _) = try check("app:package-zip")
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("UNDECLARED WRITES: matched by no output (2 files):"))
        #expect(run.stdout.contains("tmp/package/  2 files  → add to outputs: {workspaceRoot}/tmp/package"))
        #expect(run.stdout.contains("env: PACKAGE_CHANNEL"))
        let (jsonRun, _) = try check("app:package-zip", json: true)
        let report = try jsonRun.jsonReport()
        #expect(report["undeclaredWrites"] as? [String] == ["tmp/package/app.log", "tmp/package/app.manifest"])
        #expect(report["violations"] as? Int == 2)
        #expect(report["exitCode"] as? Int == 1)
    }

    @Test func aDeclaredOutputNeverWritten() throws {
        let (run, _) = try check("lib:build")
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("DECLARED OUTPUTS NEVER WRITTEN (1):"))
        #expect(run.stdout.contains("- libs/lib/types  (declared as {projectRoot}/types)"))
        #expect(run.stdout.contains("- write tmp/lib.tsbuildinfo"))  // excluded by the sandboxing config
        let (jsonRun, _) = try check("lib:build", json: true)
        let report = try jsonRun.jsonReport()
        #expect(report["unwrittenOutputs"] as? [String] == ["libs/lib/types"])
        #expect(report["excludedWrites"] as? [String] == ["tmp/lib.tsbuildinfo"])
    }

    @Test func extraCommandLineGlobsWidenTheNxDeclarations() throws {
        let (run, _) = try check("app:bundle", extra: ["--inputs", "{projectRoot}/app.config.json"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
    }

    @Test func theCommandsOwnFailureStatusWins() throws {
        let (run, _) = try check("app:build", command: ["sh", "-c", "cat apps/app/app.config.json > /dev/null; exit 3"])
        #expect(run.status == 3)
        #expect(run.stdout.contains("the command failed: exit status 3"))
        #expect(run.stdout.contains("apps/app/app.config.json"))
        let (missing, _) = try check("app:build", command: ["no-such-command-here"])
        #expect(missing.status == 127)
        #expect(missing.stderr.contains("command not found"))
    }

    /// A task that cannot be resolved is the tracer's failure (125), and the command never runs.
    @Test func badDeclarationsNeverRunTheCommand() throws {
        let workspace = try TemporaryWorkspace()
        for arguments in [["--nx", "ghost:build"], ["--nx", "app:nope"], ["--nx", "lib:build:staging"],
                          ["--nx", "justaname"],
                          ["--inputs", String(repeating: "{a,b,c,d}", count: 8)]] {
            let run = try Run.iotrace(["check"] + arguments + ["--", "touch", "ran"], in: workspace.path)
            #expect(run.status == 125, "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(arguments): \(run.stderr)")
        }
        #expect(!workspace.exists("ran"))
        let outside = try TemporaryWorkspace(copying: nil)
        let run = try Run.iotrace(["check", "--nx", "app:build", "--", "touch", "ran"], in: outside.path)
        #expect(run.status == 125)
        #expect(run.stderr.contains("no nx.json"))
        // Nothing declared checks a whole run, which needs an Nx workspace too.
        let nothing = try Run.iotrace(["check", "--", "touch", "ran"], in: outside.path)
        #expect(nothing.status == 125)
        #expect(nothing.stderr.contains("nothing declared and no nx.json"), "\(nothing.stderr)")
        #expect(!outside.exists("ran"))
    }

    /// --workspace inside the Nx workspace: the declarations and the trace use the directory of nx.json.
    @Test func theNxWorkspaceIsFoundAboveTheGivenOne() throws {
        let workspace = try TemporaryWorkspace()
        let run = try Run.iotrace(["check", "--nx", "app:bundle", "--workspace", workspace.path + "/apps/app",
                                   "--format", "json", "-o", "-", "--"] + Self.commands["app:bundle"]!,
                                  in: workspace.path)
        #expect(run.status == 1)
        let report = try run.jsonReport()
        #expect(report["workspace"] as? String == workspace.path)
        #expect(report["undeclaredReads"] as? [String] == ["apps/app/app.config.json"])
    }

    @Test func savedNxOutputInsteadOfTheFiles() throws {
        let workspace = try TemporaryWorkspace()
        // `nx show target lib:build --json`, saved where Nx runs: outputs differ from project.json's.
        try workspace.write("saved-target.json", """
            {"project": "lib", "target": "build", "executor": "nx:run-commands",
             "inputs": [{"fileset": "{projectRoot}/**/*"}, {"fileset": "{workspaceRoot}/tools/**"}],
             "outputs": ["{options.outputPath}", "{workspaceRoot}/tmp"], "options": {"outputPath": "dist/libs/lib"}}
            """)
        let run = try Run.iotrace(["check", "--nx-target-json", "saved-target.json", "-o", "-", "--"]
                                  + Self.commands["lib:build"]!, in: workspace.path)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("CHECK lib:build: clean"))
        #expect(run.stdout.contains("declared by: saved-target.json"))
    }

    /// With an nx executable in node_modules/.bin, `nx show project` gives the target (inferred targets
    /// included); here a stand-in prints what Nx would.
    @Test func theNxCLIIsPreferredWhenInstalled() throws {
        let workspace = try TemporaryWorkspace()
        try workspace.write("node_modules/.bin/nx", """
            #!/bin/sh
            [ "$1 $2 $3 $4" = "show project app --json" ] || exit 1
            echo '{"name": "app", "root": "apps/app", "targets": {"bundle": {"executor": "nx:run-commands",'
            echo ' "inputs": ["{projectRoot}/**/*", "{workspaceRoot}/tools/**"],'
            echo ' "outputs": ["{workspaceRoot}/dist/apps/app-bundle"], "options": {}}}}'
            """, executable: true)
        let run = try Run.iotrace(["check", "--nx", "app:bundle", "-o", "-", "--"] + Self.commands["app:bundle"]!,
                                  in: workspace.path)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("declared by: nx show project app"))
        // --nx-from files ignores it: the config read is a violation again.
        let files = try Run.iotrace(["check", "--nx", "app:bundle", "--nx-from", "files", "-o", "-", "--"]
                                    + Self.commands["app:bundle"]!, in: workspace.path)
        #expect(files.status == 1)
        // A failing nx falls back to the files, with a note.
        let fallback = try Run.iotrace(["check", "--nx", "lib:build", "-o", "-", "--"] + Self.commands["lib:build"]!,
                                       in: workspace.path)
        #expect(fallback.status == 1)
        #expect(fallback.stderr.contains("reading the task from the workspace files instead"))
    }

    @Test func plainGlobsWithoutNx() throws {
        let workspace = try TemporaryWorkspace()
        let run = try Run.iotrace(["check", "--inputs", "apps/**", "tools/*.mjs", "!apps/app/*.json",
                                   "--outputs", "dist/apps/app-bundle", "--exclude-reads", ".browserslistrc",
                                   "--format", "json", "-o", "-", "--"] + Self.commands["app:bundle"]!,
                                  in: workspace.path)
        #expect(run.status == 1)
        let report = try run.jsonReport()
        #expect(report["task"] as? String == "command line")
        #expect(report["undeclaredReads"] as? [String] == ["apps/app/app.config.json"])
        #expect(report["excludedReads"] as? [String] == [".browserslistrc"])
    }
}
