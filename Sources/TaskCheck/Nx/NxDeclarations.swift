/// A task as Nx names it: `PROJECT:TARGET` or `PROJECT:TARGET:CONFIGURATION`.
public struct NxTaskID: Sendable, Equatable, CustomStringConvertible {
    public var project: String
    public var target: String
    public var configuration: String?

    public init(project: String, target: String, configuration: String? = nil) {
        self.project = project
        self.target = target
        self.configuration = configuration
    }

    public init(parsing text: String) throws(NxError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw NxError("'\(text)' is not PROJECT:TARGET or PROJECT:TARGET:CONFIGURATION")
        }
        self.init(project: parts[0], target: parts[1], configuration: parts.count == 3 ? parts[2] : nil)
    }

    public var description: String { [project, target, configuration].compactMap { $0 }.joined(separator: ":") }
}

/// A task's declarations from its Nx configuration, as Nx's task hasher and cache read them.
public enum NxDeclarations {
    /// Targets without `inputs` hash their project's `default` input and their dependencies' (Nx's
    /// DEFAULT_INPUTS).
    static let defaultInputs: [JSONValue] = [
        .object(JSONObject([("input", .string("default"))])),
        .object(JSONObject([("input", .string("default")), ("dependencies", .bool(true))])),
    ]

    /// The declarations of `task`, its target read from the project files and nx.json's target defaults.
    public static func resolve(_ task: NxTaskID, in workspace: NxWorkspace) throws(NxError) -> TaskDeclarations {
        guard let project = workspace.project(named: task.project) else {
            let names = workspace.projects.map(\.name).sorted()
            throw NxError("no project named '\(task.project)' in the Nx workspace \(workspace.root) (projects: "
                + (names.isEmpty ? "none found" : names.joined(separator: ", ")) + ")")
        }
        guard let target = NxTargets.resolve(task.target, in: project, nxJSON: workspace.nxJSON) else {
            throw NxError("project '\(project.name)' has no target '\(task.target)' (targets: "
                + project.targets.keys.sorted().joined(separator: ", ") + ")")
        }
        let source = (project.sources + ["nx.json"]).joined(separator: " + ")
        return try declarations(task, project: project, target: target, optionsMerged: false, workspace: workspace,
                                source: source)
    }

    /// The declarations of `task` from `nx show project PROJECT --json` or `nx show target PROJECT:TARGET --json`
    /// output (targets there are already merged with the target defaults and include inferred ones); nx.json's
    /// named inputs and the other projects still come from `workspace`.
    public static func resolve(_ task: NxTaskID?, fromNxOutput json: JSONValue, in workspace: NxWorkspace,
                               source: String) throws(NxError) -> TaskDeclarations {
        guard let object = json.object else { throw NxError("\(source): not a JSON object") }
        if let targets = object["targets"]?.object {
            // nx show project --json
            guard let name = object["name"]?.string ?? task?.project else {
                throw NxError("\(source): no project name")
            }
            guard let targetName = task?.target else {
                throw NxError("\(source) describes a whole project: say which target with --nx \(name):TARGET")
            }
            var project = workspace.project(named: name) ?? NxProject(name: name, root: ".")
            if let root = object["root"]?.string { project.root = root }
            project.namedInputs = object["namedInputs"]?.object ?? project.namedInputs
            project.tags = object["tags"]?.array?.compactMap(\.string) ?? project.tags
            project.targets = targets
            project.sources = [source]
            guard let target = targets[targetName]?.object else {
                throw NxError("\(source): project '\(name)' has no target '\(targetName)' (targets: "
                    + targets.keys.sorted().joined(separator: ", ") + ")")
            }
            let id = NxTaskID(project: name, target: targetName, configuration: task?.configuration)
            return try declarations(id, project: project, target: NxTargets.resolveCommandShorthand(target),
                                    optionsMerged: false, workspace: workspace, source: source)
        }
        // nx show target --json: one target, options already merged with its configuration; no project root,
        // so the project comes from the workspace files.
        guard let name = object["project"]?.string ?? task?.project,
              let targetName = object["target"]?.string ?? task?.target
        else {
            throw NxError("\(source) is neither `nx show project --json` nor `nx show target --json` output")
        }
        guard var project = workspace.project(named: name) else {
            throw NxError("\(source) is about project '\(name)', which the files of \(workspace.root) do not define, "
                + "so its root is unknown: save `nx show project \(name) --json` instead")
        }
        project.sources = [source]
        let id = NxTaskID(project: name, target: targetName, configuration: object["configuration"]?.string)
        return try declarations(id, project: project, target: object, optionsMerged: true, workspace: workspace,
                                source: source)
    }

    static func declarations(_ task: NxTaskID, project: NxProject, target: JSONObject, optionsMerged: Bool,
                             workspace: NxWorkspace, source: String) throws(NxError) -> TaskDeclarations {
        var result = TaskDeclarations(task: task.description, source: source, projectRoot: project.root)
        try addInputs(target: target, project: project, workspace: workspace, to: &result)
        let options = try mergedOptions(task, target: target, alreadyMerged: optionsMerged)
        try addOutputs(task, target: target, options: options, project: project, to: &result)
        return result
    }

    // MARK: - Options

    /// The target's options with its configuration's laid over them: the one named, else the target's
    /// `defaultConfiguration`.
    static func mergedOptions(_ task: NxTaskID, target: JSONObject, alreadyMerged: Bool) throws(NxError) -> JSONObject {
        var options = target["options"]?.object ?? JSONObject()
        if alreadyMerged { return options }
        let configurations = target["configurations"]?.object
        let name = task.configuration ?? target["defaultConfiguration"]?.string
        if let name {
            guard let configuration = configurations?[name]?.object else {
                if task.configuration == nil { return options }
                throw NxError("target '\(task.project):\(task.target)' has no configuration '\(name)' "
                    + "(configurations: \((configurations?.keys ?? []).sorted().joined(separator: ", ")))")
            }
            for (key, value) in configuration.pairs { options[key] = value }
        }
        return options
    }

    // MARK: - Inputs

    /// A target's inputs split as Nx's splitInputsIntoSelfAndDependencies splits them.
    struct SplitInputs {
        /// The task's own inputs (globs, named inputs, filesets), not yet expanded.
        var own: [JSONValue] = []
        /// `^name` and `{input, dependencies: true}`: named inputs of the dependencies.
        var dependencyNamedInputs: [String] = []
        /// `^{projectRoot}/...` and `{fileset, dependencies: true}`.
        var dependencyFilesets: [String] = []
        /// `{input, projects}`: a named input of the projects listed.
        var projectInputs: [(input: String, projects: JSONValue)] = []
    }

    /// Splits the target's inputs into the task's own and its dependencies' (Nx's
    /// splitInputsIntoSelfAndDependencies), expands named inputs, and fills the declarations.
    static func addInputs(target: JSONObject, project: NxProject, workspace: NxWorkspace,
                          to result: inout TaskDeclarations) throws(NxError) {
        let inputs = split(target["inputs"]?.array ?? defaultInputs)
        try addOwnInputs(inputs.own, project: project, workspace: workspace, to: &result)
        try addDependencyInputs(inputs, project: project, workspace: workspace, to: &result)
    }

    static func split(_ inputs: [JSONValue]) -> SplitInputs {
        var split = SplitInputs()
        for input in inputs {
            if let text = input.string {
                guard text.hasPrefix("^") else {
                    split.own.append(input)
                    continue
                }
                let rest = String(text.dropFirst())
                if rest.hasPrefix("{projectRoot}") || rest.hasPrefix("{workspaceRoot}") {
                    split.dependencyFilesets.append(rest)
                } else {
                    split.dependencyNamedInputs.append(rest)
                }
                continue
            }
            guard let object = input.object else { continue }
            let dependencies = object["dependencies"]?.bool == true || object["projects"]?.string == "dependencies"
            if let fileset = object["fileset"]?.string, object["dependencies"]?.bool == true {
                split.dependencyFilesets.append(fileset)
            } else if let name = object["input"]?.string, object["fileset"] == nil, dependencies {
                split.dependencyNamedInputs.append(name)
            } else if let name = object["input"]?.string, object["fileset"] == nil, let projects = object["projects"],
                      projects.string != "self" {
                split.projectInputs.append((name, projects))
            } else {
                split.own.append(input)
            }
        }
        return split
    }

    /// The task's own inputs, named inputs expanded, as one glob list (plus what is not about files).
    static func addOwnInputs(_ own: [JSONValue], project: NxProject, workspace: NxWorkspace,
                             to result: inout TaskDeclarations) throws(NxError) {
        var filesets: [String] = []
        for input in try expand(own, namedInputs: workspace.namedInputs(for: project)) {
            classify(input, projectRoot: project.root, filesets: &filesets, into: &result)
        }
        if !filesets.isEmpty && !filesets.contains(where: { !$0.hasPrefix("!") }) {
            // Only exclusions: Nx then starts from all of the project's files (filterUsingGlobPatterns).
            filesets.insert(NxTokens.fileset("{projectRoot}/**", projectRoot: project.root), at: 0)
        }
        do {
            result.inputs.append(try GlobList(filesets, rule: .negationExcludes))
        } catch {
            throw NxError("input of \(project.name): \(error)")
        }
    }

    /// The scopes the dependency and project inputs accept.
    static func addDependencyInputs(_ inputs: SplitInputs, project: NxProject, workspace: NxWorkspace,
                                    to result: inout TaskDeclarations) throws(NxError) {
        // Dependencies: every other project could be one (the project graph comes from source imports, which
        // the files alone do not give), except a project at the workspace root, whose `{projectRoot}/**`
        // would accept every file.
        if !inputs.dependencyNamedInputs.isEmpty || !inputs.dependencyFilesets.isEmpty {
            for other in workspace.projects where other.name != project.name && other.root != "." {
                if let scope = try dependencyScope(other, named: inputs.dependencyNamedInputs,
                                                   filesets: inputs.dependencyFilesets, workspace: workspace,
                                                   notes: &result.notes) {
                    result.dependencies.append(scope)
                }
            }
        }
        for (input, projects) in inputs.projectInputs {
            for other in workspace.projects where NxTargets.matchesProjects(projects, other) {
                if let scope = try dependencyScope(other, named: [input], filesets: [], workspace: workspace,
                                                   notes: &result.notes) {
                    result.dependencies.append(scope)
                }
            }
        }
    }

    /// The files of `project` that dependency inputs accept.
    static func dependencyScope(_ project: NxProject, named: [String], filesets: [String], workspace: NxWorkspace,
                                notes: inout [String]) throws(NxError) -> TaskDeclarations.DependencyScope? {
        let namedInputs = workspace.namedInputs(for: project)
        var patterns: [String] = []
        for name in named {
            guard namedInputs[name] != nil else {
                notes.append("'^\(name)' is not a named input of dependency candidate '\(project.name)': "
                    + "its files are not accepted")
                continue
            }
            for input in try expand([.string(name)], namedInputs: namedInputs) {
                if let fileset = input["fileset"]?.string {
                    patterns.append(NxTokens.fileset(fileset, projectRoot: project.root))
                }
            }
        }
        patterns += filesets.map { NxTokens.fileset($0, projectRoot: project.root) }
        guard patterns.contains(where: { !$0.hasPrefix("!") }) else { return nil }
        guard let files = try? GlobList(patterns, rule: .negationExcludes) else { return nil }
        return TaskDeclarations.DependencyScope(project: project.name, root: project.rootPath, files: files)
    }

    /// Named inputs replaced by what they name, recursively (Nx's expandSingleProjectInputs): a string that
    /// names an input is that input, any other string is a fileset; `{"input": NAME}` is the named input;
    /// other objects stay as they are.
    static func expand(_ inputs: [JSONValue], namedInputs: JSONObject, depth: Int = 0) throws(NxError) -> [JSONValue] {
        guard depth < 64 else { throw NxError("named inputs refer to each other in a cycle") }
        var expanded: [JSONValue] = []
        for input in inputs {
            if let text = input.string {
                if text.hasPrefix("^") {
                    throw NxError("named input definitions cannot start with ^ ('\(text)')")
                }
                if let definition = namedInputs[text]?.array {
                    expanded += try expand(definition, namedInputs: namedInputs, depth: depth + 1)
                } else {
                    expanded.append(.object(JSONObject([("fileset", .string(text))])))
                }
                continue
            }
            guard let object = input.object else { continue }
            let keepAsIs = ["fileset", "env", "runtime", "externalDependencies", "dependentTasksOutputFiles",
                            "workingDirectory", "json"]
            if keepAsIs.contains(where: { object[$0] != nil }) {
                expanded.append(input)
            } else if let name = object["input"]?.string {
                if object["projects"] != nil || object["dependencies"] != nil {
                    throw NxError(
                        "named input definitions can only refer to named inputs of the same project ('\(name)')")
                }
                guard let definition = namedInputs[name]?.array else { throw NxError("input '\(name)' is not defined") }
                expanded += try expand(definition, namedInputs: namedInputs, depth: depth + 1)
            }
        }
        return expanded
    }

    /// One expanded input: a fileset joins the task's inputs; dependentTasksOutputFiles joins the dependency
    /// outputs; anything else is listed as not checked.
    static func classify(_ input: JSONValue, projectRoot: String, filesets: inout [String],
                         into result: inout TaskDeclarations) {
        guard let object = input.object else { return }
        if let fileset = object["fileset"]?.string {
            filesets.append(NxTokens.fileset(fileset, projectRoot: projectRoot))
        } else if let glob = object["dependentTasksOutputFiles"]?.string {
            var list = result.dependencyOutputs ?? (try! GlobList(rule: .negationExcludes))
            if (try? list.append(NxTokens.fileset(glob, projectRoot: projectRoot))) == nil {
                result.notes.append("dependentTasksOutputFiles '\(glob)' is not a valid glob")
            }
            result.dependencyOutputs = list
        } else if let env = object["env"]?.string {
            result.notChecked.append("env: \(env)")
        } else if let runtime = object["runtime"]?.string {
            result.notChecked.append("runtime: \(runtime)")
        } else if let dependencies = object["externalDependencies"]?.array {
            result.notChecked.append("externalDependencies: "
                + dependencies.compactMap(\.string).joined(separator: ", "))
        } else if let directory = object["workingDirectory"]?.string {
            result.notChecked.append("workingDirectory: \(directory)")
        } else if let json = object["json"]?.string {
            result.notChecked.append("json: \(json)")
        }
    }

    // MARK: - Outputs

    /// The target's outputs with their tokens filled in (Nx's getOutputsForTargetAndConfiguration). A target
    /// without `outputs` has the legacy ones: `options.outputPath`, or for `build` and `prepare` the usual
    /// build folders, which are then not checked for being written.
    static func addOutputs(_ task: NxTaskID, target: JSONObject, options: JSONObject, project: NxProject,
                           to result: inout TaskDeclarations) throws(NxError) {
        var patterns: [String] = []
        var checked: [TaskDeclarations.Output] = []
        if let outputs = target["outputs"]?.array {
            for output in outputs.compactMap(\.string) {
                let (path, missing) = NxTokens.output(output, project: project, options: options)
                guard let path else {
                    result.notes.append(
                        "output '\(output)' dropped, as Nx drops it: \(missing ?? "a token") has no value")
                    continue
                }
                patterns.append(path)
                if !path.hasPrefix("!"), let glob = try? Glob(path) {
                    checked.append(.init(path: path, declared: output, glob: glob))
                }
            }
        } else if let outputPath = options["outputPath"] {
            for path in (outputPath.array ?? [outputPath]).compactMap(\.string) {
                let cleaned = NxTokens.trimLeading(path)
                patterns.append(cleaned)
                if let glob = try? Glob(cleaned) {
                    checked.append(.init(path: cleaned, declared: "options.outputPath", glob: glob))
                }
            }
        } else if task.target == "build" || task.target == "prepare" {
            let root = project.rootPath
            patterns = ["dist/\(root)", "\(root)/dist", "\(root)/build", "\(root)/public"].map(RelativePath.clean)
            result.notes.append("'\(task.target)' declares no outputs: Nx's legacy defaults apply ("
                + patterns.joined(separator: ", ") + "), not checked for being written")
        }
        do {
            result.outputs.append(try GlobList(patterns, rule: .negationExcludes))
        } catch {
            throw NxError("output of \(project.name):\(task.target): \(error)")
        }
        result.checkedOutputs += checked
    }
}
