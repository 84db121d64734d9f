import TraceModel
import Testing
@testable import TaskCheck

@Suite("Violations")
struct CheckerTests {
    /// A report whose reads all predate the task (its inputs), unless `inputs` says otherwise.
    func report(reads: [String], writes: [String], deletes: [String] = [], missing: [String] = [],
                inputs: [String]? = nil, outcome: CommandOutcome = .exited(0)) -> Report {
        Report(command: [Array("task".utf8)], workspace: Array("/ws".utf8), outcome: outcome,
               reads: paths(reads.sorted()), writes: paths(writes.sorted()), missing: paths(missing.sorted()),
               deletes: paths(deletes.sorted()), inputs: paths((inputs ?? reads).sorted()))
    }

    func declarations(inputs: [String] = [], outputs: [String] = [], excludeReads: [String] = [],
                      excludeWrites: [String] = []) throws -> TaskDeclarations {
        try TaskDeclarations.commandLine(inputs: inputs, outputs: outputs, excludeReads: excludeReads,
                                         excludeWrites: excludeWrites)
    }

    /// Consumed is the report's net-effect inputs (a file the task wrote first and read back is not one);
    /// produced is every write and delete, a temporary created and deleted included.
    @Test func consumedAreTheInputsProducedTheWritesAndDeletes() {
        let accesses = TaskAccesses(report: report(reads: ["a", "gen/x"], writes: ["gen/x", "tmp/t"],
                                                   deletes: ["old", "tmp/t"], missing: ["nope"], inputs: ["a"]))
        #expect(accesses.consumed.strings == ["a"])
        #expect(accesses.produced.strings == ["gen/x", "old", "tmp/t"])
        #expect(accesses.missing.strings == ["nope"])
    }

    @Test func aDeleteOutsideTheOutputsIsAnUndeclaredWrite() throws {
        let result = Checker.check(report(reads: [], writes: ["dist/a"], deletes: ["src/stale.js", "dist/old"]),
                                   against: try declarations(inputs: ["src/**"], outputs: ["dist"]))
        #expect(result.undeclaredWrites.strings == ["src/stale.js"])
        #expect(result.declaredWriteCount == 2)
    }

    @Test func missingPathsOutsideTheInputsAreListedApartAndDoNotFailTheCheck() throws {
        let result = Checker.check(report(reads: ["src/a.js"], writes: ["dist/a"],
                                          missing: ["src/a.ts", "dist/cache", ".babelrc", "node_modules/x",
                                                    "tmp/skip"]),
                                   against: try declarations(inputs: ["src/**"], outputs: ["dist"],
                                                             excludeReads: ["tmp/**"]))
        #expect(result.missingOutsideInputs.strings == [".babelrc", "node_modules/x"])
        #expect(result.isClean && result.exitStatus == 0)
        let text = String(decoding: CheckTextRenderer.render(result), as: UTF8.self)
        #expect(text.contains("PROBED BUT MISSING") && text.contains("  - .babelrc\n"), "\(text)")
        let json = String(decoding: CheckJSONRenderer.render(result), as: UTF8.self)
        #expect(json.contains("\"missingOutsideInputs\": [\n    \".babelrc\",\n    \"node_modules/x\"\n  ]"), "\(json)")
    }

    @Test func eachKindOfViolation() throws {
        let result = Checker.check(report(reads: ["src/a.js", "config.json", "dist/old.js"],
                                          writes: ["dist/a.js", "tmp/log"]),
                                   against: try declarations(inputs: ["src/**"], outputs: ["dist", "types"]))
        #expect(result.undeclaredReads.strings == ["config.json"])
        #expect(result.undeclaredWrites.strings == ["tmp/log"])
        #expect(result.unwrittenOutputs.map(\.path) == ["types"])
        #expect(result.declaredReadCount == 2)  // dist/old.js: a read of a declared output is fine
        #expect(result.declaredWriteCount == 1)
        #expect(result.violationCount == 3)
        #expect(result.exitStatus == 1)
    }

    @Test func exclusionsTurnViolationsAside() throws {
        let result = Checker.check(report(reads: ["src/a.js", ".DS_Store"], writes: ["dist/a.js", "x.tsbuildinfo"]),
                                   against: try declarations(inputs: ["src/**"], outputs: ["dist"],
                                                             excludeReads: ["**/.DS_Store"],
                                                             excludeWrites: ["**/*.tsbuildinfo"]))
        #expect(result.isClean)
        #expect(result.excludedReads.strings == [".DS_Store"])
        #expect(result.excludedWrites.strings == ["x.tsbuildinfo"])
        #expect(result.exitStatus == 0)
    }

    @Test func dependencyReadsAreListedApart() throws {
        var declarations = TaskDeclarations(task: "app:build", source: "test", projectRoot: "apps/app")
        declarations.inputs = [try GlobList(["apps/app/**"], rule: .negationExcludes)]
        declarations.dependencies = [.init(project: "lib", root: "libs/lib",
                                           files: try GlobList(["libs/lib/**", "!libs/lib/**/*.spec.js"],
                                                               rule: .negationExcludes))]
        declarations.dependencyOutputs = try GlobList(["**/*.d.ts"], rule: .negationExcludes)
        let result = Checker.check(report(reads: ["apps/app/a.js", "libs/lib/i.js", "libs/lib/i.spec.js",
                                                  "dist/libs/lib/i.d.ts", "libs/other/x.js"], writes: []),
                                   against: declarations)
        #expect(result.dependencyReads == [
            .init(project: "dependentTasksOutputFiles", path: Array("dist/libs/lib/i.d.ts".utf8)),
            .init(project: "lib", path: Array("libs/lib/i.js".utf8)),
        ])
        #expect(result.undeclaredReads.strings == ["libs/lib/i.spec.js", "libs/other/x.js"])
    }

    @Test func aFailedCommandKeepsItsStatus() throws {
        let declared = try declarations(inputs: ["**"], outputs: ["out"])
        #expect(Checker.check(report(reads: [], writes: [], outcome: .exited(3)), against: declared).exitStatus == 3)
        #expect(Checker.check(report(reads: [], writes: [], outcome: .killed(signal: 9)), against: declared).exitStatus
                    == 137)
        #expect(Checker.check(report(reads: [], writes: ["out/a"]), against: declared).exitStatus == 0)
    }

    @Test func commandLineNegationIsOrdered() throws {
        let declared = try declarations(inputs: ["src/**", "!src/**/*.spec.js", "src/keep.spec.js"], outputs: ["dist"])
        let result = Checker.check(report(reads: ["src/a.js", "src/b.spec.js", "src/keep.spec.js"], writes: ["dist/a"]),
                                   against: declared)
        #expect(result.undeclaredReads.strings == ["src/b.spec.js"])
    }
}

@Suite("Grouping and suggestions")
struct GroupingTests {
    func groups(_ list: [String], _ kind: ViolationGroup.Kind = .input,
                projectRoot: String? = nil) -> [ViolationGroup] {
        ViolationGroup.group(paths(list), kind: kind, projectRoot: projectRoot)
    }

    @Test func oneFileSuggestsItsPath() {
        let result = groups(["apps/app/app.config.json"])
        #expect(result.map(\.suggestion) == ["apps/app/app.config.json"])
        #expect(groups(["apps/app/app.config.json"], projectRoot: "apps/app").map(\.suggestion)
                == ["{projectRoot}/app.config.json"])
        #expect(groups(["babel.config.json"], projectRoot: "apps/app").map(\.suggestion)
                == ["{workspaceRoot}/babel.config.json"])
    }

    @Test func fewFilesABraceListManyAnExtensionOrAStar() {
        #expect(groups(["c/a.json", "c/b.yaml"]).map(\.suggestion) == ["c/{a.json,b.yaml}"])
        #expect(groups(["c/a.json", "c/b.json", "c/c.json", "c/d.json"]).map(\.suggestion) == ["c/*.json"])
        #expect(groups(["c/a.json", "c/b.yaml", "c/c", "c/d.txt"]).map(\.suggestion) == ["c/*"])
        #expect(groups(["a.json", "b.json", "c.json", "d.json"]).map(\.suggestion) == ["*.json"])
    }

    @Test func aDirectoryWithViolationsTakesInItsSubdirectories() {
        let result = groups(["dist/a.js", "dist/assets/b.js", "dist/assets/deep/c.js", "other/x/y.txt",
                             "other/z/w.txt"])
        #expect(result.map { String(decoding: $0.directory, as: UTF8.self) } == ["dist", "other/x", "other/z"])
        #expect(result[0].recursive)
        #expect(result[0].paths.count == 3)
        #expect(result[0].suggestion == "dist/**/*.js")
        // Outputs cover everything below them: the directory itself.
        #expect(groups(["dist/a.js", "dist/assets/b.css"], .output).map(\.suggestion) == ["dist"])
    }

    @Test func theWorkspaceRootNeverSwallowsEverything() {
        let result = groups(["a.txt", "src/b.txt"])
        #expect(result.count == 2)
    }

    @Test func globCharactersInNamesAreEscaped() {
        #expect(groups(["x/[id].js"]).map(\.suggestion) == ["x/\\[id\\].js"])
        #expect(groups(["!bang"]).map(\.suggestion) == ["\\!bang"])
        let suggestion = groups(["x/[id].js"])[0].suggestion
        #expect((try? Glob(suggestion))?.matches(Array("x/[id].js".utf8)) == true)
    }
}
