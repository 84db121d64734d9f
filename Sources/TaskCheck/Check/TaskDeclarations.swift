/// What a task declares: the files it may read and write, and what the check leaves aside.
public struct TaskDeclarations: Sendable {
    /// A declared output, for the "never written" check.
    public struct Output: Sendable, Equatable {
        /// The workspace-relative path or glob, tokens filled in.
        public var path: String
        /// As written in the configuration (`{options.outputPath}`), or the same as `path`.
        public var declared: String
        public var glob: Glob
    }

    /// Reads under another project's root that its dependency inputs (`^production`, ...) accept.
    public struct DependencyScope: Sendable {
        public var project: String
        /// Workspace-relative root of that project (`` for the workspace root).
        public var root: String
        public var files: GlobList
    }

    /// What the declarations are of, for the report's first line: `app:build`, or `command line`.
    public var task: String
    /// Where they were read from: `project.json + nx.json`, `nx show project`, ...
    public var source: String
    /// The task's project root, when it has one: suggestions are then written with `{projectRoot}`.
    public var projectRoot: String?
    /// A read is declared when any of these lists matches it.
    public var inputs: [GlobList] = []
    /// A write is declared when any of these lists covers it (matches it or a directory above it).
    public var outputs: [GlobList] = []
    /// The outputs checked for "declared but never written".
    public var checkedOutputs: [Output] = []
    public var excludeReads: [GlobList] = []
    public var excludeWrites: [GlobList] = []
    /// Where each exclusion list came from (`--exclude-reads`, `.nx/workflows/sandboxing-config.yaml`).
    public var exclusionSources: [String] = []
    public var dependencies: [DependencyScope] = []
    /// `dependentTasksOutputFiles` globs: outputs of the tasks this one depends on, read as inputs.
    public var dependencyOutputs: GlobList?
    /// Declarations that are not about workspace files (env, runtime, externalDependencies, ...).
    public var notChecked: [String] = []
    /// Things worth knowing about how the declarations were read (an output dropped for an unset option).
    public var notes: [String] = []

    public init(task: String, source: String, projectRoot: String? = nil) {
        self.task = task
        self.source = source
        self.projectRoot = projectRoot
    }

    /// Declarations straight from the command line's globs (negation: last match wins).
    public static func commandLine(inputs: [String], outputs: [String], excludeReads: [String],
                                   excludeWrites: [String]) throws(GlobError) -> TaskDeclarations {
        var declarations = TaskDeclarations(task: "command line", source: "--inputs/--outputs")
        try declarations.add(inputs: inputs, outputs: outputs, excludeReads: excludeReads, excludeWrites: excludeWrites)
        return declarations
    }

    /// Adds command-line globs to these declarations (with `--nx`, they widen what Nx declares). `{workspaceRoot}`
    /// and, when the task has a project, `{projectRoot}` are filled in.
    public mutating func add(inputs: [String], outputs: [String], excludeReads: [String],
                             excludeWrites: [String]) throws(GlobError) {
        let fill = { (pattern: String) in NxTokens.fileset(pattern, projectRoot: projectRoot ?? "") }
        if !inputs.isEmpty { self.inputs.append(try GlobList(inputs.map(fill))) }
        if !outputs.isEmpty {
            let list = try GlobList(outputs.map(fill))
            self.outputs.append(list)
            for entry in list.positive {
                checkedOutputs.append(Output(path: entry.source, declared: entry.source, glob: entry.glob))
            }
        }
        if !excludeReads.isEmpty || !excludeWrites.isEmpty {
            self.excludeReads.append(try GlobList(excludeReads.map(fill)))
            self.excludeWrites.append(try GlobList(excludeWrites.map(fill)))
            exclusionSources.append("--exclude-reads/--exclude-writes")
        }
    }

    /// All input patterns, for the report.
    public var inputPatterns: [String] { inputs.flatMap(\.patterns) }
    public var outputPatterns: [String] { outputs.flatMap(\.patterns) }
}
