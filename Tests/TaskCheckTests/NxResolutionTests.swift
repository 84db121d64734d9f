import Testing
@testable import TaskCheck

/// The Nx declarations of the fixture workspace's tasks, read from its files (no nx installed).
@Suite("Nx resolution against Fixtures/nx-workspace")
struct NxFixtureResolutionTests {
    let workspace: NxWorkspace

    init() throws {
        workspace = try NxWorkspace.load(root: Locations.nxWorkspace)
    }

    func resolve(_ task: String) throws -> TaskDeclarations {
        try NxDeclarations.resolve(try NxTaskID(parsing: task), in: workspace)
    }

    func matches(_ lists: [GlobList], _ path: String) -> Bool { lists.contains { $0.matches(Array(path.utf8)) } }

    @Test func projectsAreFoundThroughTheirProjectJSON() throws {
        let projects = workspace.projects.map { "\($0.name)@\($0.root)" }.sorted()
        #expect(projects == ["app@apps/app", "lib@libs/lib"])
        #expect(workspace.owner(of: Array("libs/lib/src/index.js".utf8))?.name == "lib")
        #expect(workspace.owner(of: Array("tools/build.mjs".utf8)) == nil)
        #expect(NxWorkspace.findRoot(from: Locations.nxWorkspace + "/apps/app/src") == Locations.nxWorkspace)
    }

    /// app:build has no inputs or outputs of its own: the `build` target default gives them, `production`
    /// and `default` expand recursively, and `{options.outputPath}` is filled from the target's options.
    @Test func targetDefaultsNamedInputsAndOptions() throws {
        let declarations = try resolve("app:build")
        #expect(declarations.inputPatterns == [
            "apps/app/**/*", "tools/**/*.mjs", "!apps/app/**/*.spec.js", "!apps/app/*.config.json",
            "!apps/app/README.md",
        ])
        #expect(matches(declarations.inputs, "apps/app/src/main.js"))
        #expect(!matches(declarations.inputs, "apps/app/src/format.spec.js"))
        #expect(!matches(declarations.inputs, "apps/app/app.config.json"))
        #expect(matches(declarations.inputs, "tools/build.mjs"))
        #expect(declarations.outputPatterns == ["dist/apps/app"])
        #expect(declarations.checkedOutputs.map(\.declared) == ["{options.outputPath}"])
        #expect(declarations.notChecked == ["runtime: node --version"])
        #expect(declarations.source == "apps/app/project.json + nx.json")
        #expect(declarations.projectRoot == "apps/app")
    }

    /// `^production` accepts the other projects' files as they define `production` (lib's own named input).
    @Test func dependencyInputsUseTheDependencysNamedInputs() throws {
        let declarations = try resolve("app:build")
        let lib = try #require(declarations.dependencies.first { $0.project == "lib" })
        #expect(lib.root == "libs/lib")
        #expect(lib.files.matches(Array("libs/lib/src/index.js".utf8)))
        #expect(!lib.files.matches(Array("libs/lib/src/index.spec.js".utf8)))
        #expect(!lib.files.matches(Array("libs/lib/README.md".utf8)))
        #expect(!declarations.dependencies.contains { $0.project == "app" })
    }

    @Test func ownInputsReplaceTheDefaultsAndHaveNoDependencies() throws {
        let declarations = try resolve("app:bundle")
        #expect(declarations.dependencies.isEmpty)
        #expect(declarations.outputPatterns == ["dist/apps/app-bundle"])
        #expect(!matches(declarations.inputs, "apps/app/app.config.json"))
    }

    /// `package-*` is a glob key of targetDefaults; `{projectRoot}` may stand in the middle of an output.
    @Test func globTargetDefaultsAndTokensInTheMiddle() throws {
        let declarations = try resolve("app:package-zip")
        #expect(declarations.notChecked.contains("env: PACKAGE_CHANNEL"))
        #expect(declarations.outputPatterns == ["dist/apps/app-package"])
        #expect(declarations.dependencies.isEmpty)
    }

    /// lib's own `production` (project-level namedInputs) replaces nx.json's; configurations fill options.
    @Test func projectNamedInputsAndConfigurations() throws {
        let declarations = try resolve("lib:build")
        #expect(declarations.inputPatterns.contains("!libs/lib/README.md"))
        #expect(!declarations.inputPatterns.contains("!libs/lib/*.config.json"))
        #expect(declarations.outputPatterns == ["dist/libs/lib", "libs/lib/types"])
        #expect(try resolve("lib:build:production").outputPatterns == ["dist/libs/lib-prod", "libs/lib/types"])
    }

    @Test func unknownNamesSayWhatThereIs() throws {
        #expect(throws: NxError("no project named 'nope' in the Nx workspace \(Locations.nxWorkspace) "
                                + "(projects: app, lib)")) {
            try resolve("nope:build")
        }
        #expect(throws: NxError("project 'lib' has no target 'test' (targets: build)")) { try resolve("lib:test") }
        #expect(throws: NxError("target 'lib:build' has no configuration 'staging' (configurations: production)")) {
            try resolve("lib:build:staging")
        }
        #expect(throws: NxError.self) { try NxTaskID(parsing: "justaproject") }
    }

    @Test func sandboxingConfigIsRead() throws {
        let config = try #require(try SandboxingConfig.load(workspaceRoot: Locations.nxWorkspace, task: nil))
        #expect(config.excludeReads == ["**/.browserslistrc"])
        #expect(config.excludeWrites == ["**/*.tsbuildinfo"])
    }
}

/// Rules of Nx's target and input resolution, on workspaces built in memory.
@Suite("Nx resolution rules")
struct NxRulesTests {
    func workspace(_ nxJSON: String, _ projects: [NxProject]) throws -> NxWorkspace {
        NxWorkspace(root: "/ws", nxJSON: try #require(try JSONValue.parse(nxJSON).object), projects: projects)
    }

    func project(_ name: String, root: String, _ json: String) throws -> NxProject {
        let object = try #require(try JSONValue.parse(json).object)
        return NxProject(name: name, root: root, tags: object["tags"]?.array?.compactMap(\.string) ?? [],
                         namedInputs: object["namedInputs"]?.object ?? JSONObject(),
                         targets: object["targets"]?.object ?? JSONObject())
    }

    @Test func anExecutorKeyWinsOverTheTargetName() throws {
        let ws = try workspace("""
            {"targetDefaults": {"build": {"outputs": ["{projectRoot}/by-name"]},
                                "@x/vite:build": {"outputs": ["{projectRoot}/by-executor"]},
                                "b*": {"outputs": ["{projectRoot}/by-glob"]}}}
            """, [try project("p", root: "p", """
            {"targets": {"build": {"executor": "@x/vite:build"}, "bundle": {}, "build2": {"command": "x"}}}
            """)])
        #expect(try NxDeclarations.resolve(NxTaskID(project: "p", target: "build"), in: ws).outputPatterns
                    == ["p/by-executor"])
        #expect(try NxDeclarations.resolve(NxTaskID(project: "p", target: "bundle"), in: ws).outputPatterns
                    == ["p/by-glob"])
        #expect(try NxDeclarations.resolve(NxTaskID(project: "p", target: "build2"), in: ws).outputPatterns
                    == ["p/by-glob"])
    }

    @Test func theLongestGlobKeyWins() throws {
        let ws = try workspace("""
            {"targetDefaults": {"*": {"outputs": ["short"]}, "e2e-*": {"outputs": ["long"]}}}
            """, [try project("p", root: "p", #"{"targets": {"e2e-ci": {}}}"#)])
        #expect(try NxDeclarations.resolve(NxTaskID(project: "p", target: "e2e-ci"), in: ws).outputPatterns == ["long"])
    }

    @Test func anIncompatibleExecutorDropsTheDefaults() throws {
        let ws = try workspace("""
            {"targetDefaults": {"build": {"executor": "@x/a:build", "outputs": ["from-defaults"], "options": {"o": 1}}}}
            """, [try project("p", root: "p", #"{"targets": {"build": {"executor": "@x/b:build"}}}"#)])
        let target = try #require(NxTargets.resolve("build", in: ws.projects[0], nxJSON: ws.nxJSON))
        #expect(target["outputs"] == nil)
        #expect(target["options"] == nil)
    }

    @Test func optionsAndConfigurationsMergeKeyByKey() throws {
        let defaults = try #require(try JSONValue.parse("""
            {"options": {"a": 1, "b": 1}, "configurations": {"prod": {"x": 1, "y": 1}}, "inputs": ["default"]}
            """).object)
        let own = try #require(try JSONValue.parse("""
            {"options": {"b": 2}, "configurations": {"prod": {"y": 2}, "dev": {"z": 2}},
             "inputs": ["...", "{projectRoot}/extra"]}
            """).object)
        let merged = NxTargets.merge(own, onto: defaults, root: "p")
        #expect(merged["options"] == .object(JSONObject([("a", .number(1)), ("b", .number(2))])))
        #expect(merged["configurations"]?["prod"] == .object(JSONObject([("x", .number(1)), ("y", .number(2))])))
        #expect(merged["configurations"]?["dev"] != nil)
        #expect(merged["inputs"] == .array([.string("default"), .string("{projectRoot}/extra")]))
    }

    @Test func theCommandShorthandIsRunCommands() throws {
        let target = NxTargets.resolveCommandShorthand(
            try #require(try JSONValue.parse(#"{"command": "make"}"#).object))
        #expect(target["executor"] == .string("nx:run-commands"))
        #expect(target["options"]?["command"] == .string("make"))
        #expect(target["command"] == nil)
    }

    @Test func theArrayFormOfTargetDefaults() throws {
        let nx = try #require(try JSONValue.parse("""
            {"targetDefaults": [
              {"target": "test", "outputs": ["a"]},
              {"target": "test", "projects": ["tag:web"], "outputs": ["b"]},
              {"executor": "@x/jest:jest", "outputs": ["c"]},
              {"target": "t*", "outputs": ["d"]},
              {"target": "test", "plugin": "@x/jest/plugin", "outputs": ["never"]}
            ]}
            """).object)
        let web = NxProject(name: "w", root: "w", tags: ["web"])
        let other = NxProject(name: "o", root: "o")
        #expect(NxTargets.defaults(forTarget: "test", executor: nil, project: web, in: nx)?["outputs"]
                    == .array([.string("b")]))
        #expect(NxTargets.defaults(forTarget: "test", executor: nil, project: other, in: nx)?["outputs"]
                    == .array([.string("a")]))
        #expect(NxTargets.defaults(forTarget: "test", executor: "@x/jest:jest", project: other, in: nx)?["outputs"]
                    == .array([.string("c")]))
        #expect(NxTargets.defaults(forTarget: "tsc", executor: nil, project: other, in: nx)?["outputs"]
                    == .array([.string("d")]))
    }

    @Test func outputsWithAMissingOptionAreDroppedLikeNxDoes() throws {
        let ws = try workspace("{}", [try project("p", root: "libs/p", """
            {"targets": {"build": {"outputs": ["{options.outputPath}", "{workspaceRoot}/coverage/{projectRoot}",
                                               "{options.nested.dir}/x", "{projectName}.d.ts"],
                                   "options": {"nested": {"dir": "out"}}}}}
            """)])
        let declarations = try NxDeclarations.resolve(NxTaskID(project: "p", target: "build"), in: ws)
        #expect(declarations.outputPatterns == ["coverage/libs/p", "out/x", "p.d.ts"])
        #expect(declarations.notes.first?.contains("{options.outputPath}") == true)
    }

    @Test func legacyOutputsForTargetsWithoutOutputs() throws {
        let ws = try workspace("{}", [try project("p", root: "libs/p", """
            {"targets": {"build": {}, "pack": {"options": {"outputPath": "dist/pack"}}, "lint": {}}}
            """)])
        let build = try NxDeclarations.resolve(NxTaskID(project: "p", target: "build"), in: ws)
        #expect(build.outputPatterns == ["dist/libs/p", "libs/p/dist", "libs/p/build", "libs/p/public"])
        #expect(build.checkedOutputs.isEmpty)
        #expect(try NxDeclarations.resolve(NxTaskID(project: "p", target: "pack"), in: ws).outputPatterns
                    == ["dist/pack"])
        #expect(try NxDeclarations.resolve(NxTaskID(project: "p", target: "lint"), in: ws).outputPatterns.isEmpty)
    }

    /// A target without inputs hashes `default` and `^default`; `default` is all of the project's files.
    @Test func defaultInputsAndARootProject() throws {
        let ws = try workspace("{}", [
            try project("root", root: ".", #"{"targets": {"lint": {}}}"#),
            try project("q", root: "libs/q", "{}"),
        ])
        let declarations = try NxDeclarations.resolve(NxTaskID(project: "root", target: "lint"), in: ws)
        #expect(declarations.inputPatterns == ["**/*"])
        #expect(declarations.dependencies.map(\.project) == ["q"])
    }

    @Test func namedInputErrorsAreNxsOwn() throws {
        let ws = try workspace(#"{"namedInputs": {"bad": ["^production"], "loop": ["loop"]}}"#,
                               [try project("p", root: "p", """
            {"targets": {"a": {"inputs": ["bad"]}, "b": {"inputs": [{"input": "missing"}]}, "c": {"inputs": ["loop"]}}}
            """)])
        #expect(throws: NxError.self) { try NxDeclarations.resolve(NxTaskID(project: "p", target: "a"), in: ws) }
        #expect(throws: NxError("input 'missing' is not defined")) {
            try NxDeclarations.resolve(NxTaskID(project: "p", target: "b"), in: ws)
        }
        #expect(throws: NxError.self) { try NxDeclarations.resolve(NxTaskID(project: "p", target: "c"), in: ws) }
    }

    @Test func nonFileInputsAreListedAsNotChecked() throws {
        let ws = try workspace("{}", [try project("p", root: "p", """
            {"targets": {"t": {"inputs": [{"env": "CI"}, {"runtime": "node -v"},
                                          {"externalDependencies": ["vite", "react"]},
                                          {"dependentTasksOutputFiles": "**/*.d.ts", "transitive": true},
                                          {"fileset": "{projectRoot}/src/**"}, "{workspaceRoot}/babel.config.json"]}}}
            """)])
        let declarations = try NxDeclarations.resolve(NxTaskID(project: "p", target: "t"), in: ws)
        #expect(declarations.notChecked == ["env: CI", "runtime: node -v", "externalDependencies: vite, react"])
        #expect(declarations.inputPatterns == ["p/src/**", "babel.config.json"])
        #expect(declarations.dependencyOutputs?.matches(Array("dist/libs/q/index.d.ts".utf8)) == true)
    }

    /// Only exclusions: Nx starts from all of the project's files.
    @Test func onlyNegatedFilesetsStartFromTheWholeProject() throws {
        let ws = try workspace("{}", [
            try project("p", root: "p", #"{"targets": {"t": {"inputs": ["!{projectRoot}/**/*.md"]}}}"#),
        ])
        let declarations = try NxDeclarations.resolve(NxTaskID(project: "p", target: "t"), in: ws)
        #expect(declarations.inputPatterns == ["p/**", "!p/**/*.md"])
    }

    @Test func inputsScopedToNamedProjects() throws {
        let ws = try workspace("{}", [
            try project("p", root: "p", """
                {"targets": {"t": {"inputs": [{"input": "default", "projects": ["tag:shared"]}]}}}
                """),
            try project("s", root: "libs/s", #"{"tags": ["shared"]}"#),
            try project("u", root: "libs/u", "{}"),
        ])
        let declarations = try NxDeclarations.resolve(NxTaskID(project: "p", target: "t"), in: ws)
        #expect(declarations.dependencies.map(\.project) == ["s"])
    }

    @Test func tokensInFilesets() {
        #expect(NxTokens.fileset("{projectRoot}/**/*", projectRoot: "apps/a") == "apps/a/**/*")
        #expect(NxTokens.fileset("{projectRoot}/**/*", projectRoot: ".") == "**/*")
        #expect(NxTokens.fileset("!{workspaceRoot}/x.json", projectRoot: "p") == "!x.json")
        #expect(NxTokens.fileset("./src/**", projectRoot: "p") == "src/**")
    }
}

/// `nx show project --json` and `nx show target --json` output, as --nx-target-json and the nx CLI give it.
@Suite("Nx CLI output")
struct NxCLIOutputTests {
    let workspace: NxWorkspace

    init() throws { workspace = try NxWorkspace.load(root: Locations.nxWorkspace) }

    @Test func showProjectOutputIsUsedAsIs() throws {
        // Targets from nx are already merged with target defaults: no `build` default is added again.
        let json = try JSONValue.parse("""
            {"name": "app", "root": "apps/app", "targets": {
              "build": {"executor": "nx:run-commands", "options": {"command": "x", "outputPath": "dist/inferred"},
                        "inputs": ["production", "^production"],
                        "outputs": ["{options.outputPath}", "{projectRoot}/.cache"]}}}
            """)
        let declarations = try NxDeclarations.resolve(NxTaskID(project: "app", target: "build"), fromNxOutput: json,
                                                      in: workspace, source: "nx show project app")
        #expect(declarations.outputPatterns == ["dist/inferred", "apps/app/.cache"])
        #expect(declarations.source == "nx show project app")
        #expect(declarations.dependencies.map(\.project) == ["lib"])
        #expect(throws: NxError.self) {
            try NxDeclarations.resolve(nil, fromNxOutput: json, in: workspace, source: "saved.json")
        }
    }

    @Test func showTargetOutputTakesTheRootFromTheFiles() throws {
        // As Nx 22 prints it: named inputs expanded for display, options merged with the configuration.
        let json = try JSONValue.parse("""
            {"project": "lib", "target": "build", "configuration": "production", "executor": "nx:run-commands",
             "inputs": [{"fileset": "{projectRoot}/**/*"}, "^default"], "outputs": ["{options.outputPath}"],
             "options": {"outputPath": "dist/libs/lib-prod", "command": "x"}, "configurations": ["production"],
             "cache": true, "parallelism": true}
            """)
        let declarations = try NxDeclarations.resolve(nil, fromNxOutput: json, in: workspace, source: "saved.json")
        #expect(declarations.task == "lib:build:production")
        #expect(declarations.inputPatterns == ["libs/lib/**/*"])
        #expect(declarations.outputPatterns == ["dist/libs/lib-prod"])
        #expect(declarations.dependencies.map(\.project) == ["app"])
        let unknown = try JSONValue.parse(#"{"project": "ghost", "target": "build"}"#)
        #expect(throws: NxError.self) {
            try NxDeclarations.resolve(nil, fromNxOutput: unknown, in: workspace, source: "s")
        }
    }
}

@Suite("Sandboxing config and JSON")
struct ConfigFormatTests {
    @Test func taskExclusionsAsAListAndAsAMapping() throws {
        let yaml = """
            exclude-reads: ['**/.DS_Store', '/ws/abs/inside.txt', '/etc/passwd']
            exclude-writes: "{workspaceRoot}/tmp/**"
            task-exclusions:
              - task: 'app:*'
                exclude-reads: ['apps/app/.cache/**']
              - task: 'lib:build'
                exclude-reads: ['never']
            """
        let config = try SandboxingConfig(yaml: Array(yaml.utf8), task: NxTaskID(project: "app", target: "build"),
                                          workspaceRoot: "/ws")
        #expect(config.excludeReads == ["**/.DS_Store", "abs/inside.txt", "apps/app/.cache/**"])
        #expect(config.excludeWrites == ["tmp/**"])
        let mapping = """
            task-exclusions:
              app:
                exclude-writes: [a]
              '*:test':
                exclude-writes: [b]
            """
        let other = try SandboxingConfig(yaml: Array(mapping.utf8), task: NxTaskID(project: "app", target: "test"),
                                         workspaceRoot: "/ws")
        #expect(other.excludeWrites == ["a", "b"])
        #expect(throws: NxError.self) {
            try SandboxingConfig(yaml: Array("a: [b".utf8), task: nil, workspaceRoot: "/ws")
        }
    }

    @Test func yamlAnchorsCommentsBlockListsAndADocumentMarker() throws {
        let yaml = """
            %YAML 1.1
            ---
            # shared patterns, reused through an alias
            common: &common
              - "**/.DS_Store"   # a comment after an item
              - '**/*.log'
            exclude-reads: *common
            exclude-writes:
              - tmp/**
              - "dist/\\u00e9/**"
            ...
            ---
            exclude-reads: [ignored, second, document]
            """
        let config = try SandboxingConfig(yaml: Array(yaml.utf8), task: nil, workspaceRoot: "/ws")
        #expect(config.excludeReads == ["**/.DS_Store", "**/*.log"])
        #expect(config.excludeWrites == ["tmp/**", "dist/\u{e9}/**"])
        let empty = try SandboxingConfig(yaml: Array("# only a comment\n".utf8), task: nil, workspaceRoot: "/ws")
        #expect(empty.excludeReads.isEmpty && empty.excludeWrites.isEmpty)
    }

    @Test func yamlErrorsNameTheLineAndAliasBombsAreRefused() throws {
        do {
            _ = try SandboxingConfig(yaml: Array("exclude-reads:\n  - a\n - b\n".utf8), task: nil, workspaceRoot: "/ws")
            Issue.record("a misindented list parsed")
        } catch {
            #expect(error.description.contains("line 3"), "\(error.description)")
        }
        #expect(throws: NxError.self) {
            try SandboxingConfig(yaml: Array("exclude-reads: *nowhere\n".utf8), task: nil, workspaceRoot: "/ws")
        }
        // Nine levels of ten aliases each expand to 10^9 values: refused long before that.
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            bomb += "a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        do {
            _ = try SandboxingConfig(yaml: Array(bomb.utf8), task: nil, workspaceRoot: "/ws")
            Issue.record("an alias bomb parsed")
        } catch {
            #expect(error.description.contains("too large"), "\(error.description)")
        }
    }

    @Test func jsonWithCommentsTrailingCommasAndEscapes() throws {
        let value = try JSONValue.parse("""
            // nx.json may have comments
            {"a": [1, 2.5, -3e2, true, null,], /* here too */ "b": "\\u00e9\\ud83d\\ude00\\n", "a2": {}}
            """)
        #expect(value["a"] == .array([.number(1), .number(2.5), .number(-300), .bool(true), .null]))
        #expect(value["b"] == .string("é😀\n"))
        #expect(value.object?.keys == ["a", "b", "a2"])
        #expect(throws: JSONError.self) { try JSONValue.parse("{\"a\": }") }
        #expect(throws: JSONError.self) { try JSONValue.parse("[1] x") }
        #expect(JSONValue.number(3).interpolated == "3")
        #expect(JSONValue.array([.string("a"), .number(1)]).interpolated == "a,1")
    }
}
