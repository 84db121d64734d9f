/// Why the Nx declarations of a task could not be read. Each description is the one line the CLI prints.
public struct NxError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A project as its configuration files define it.
public struct NxProject: Sendable, Equatable {
    public var name: String
    /// Workspace-relative, `.` for a project at the workspace root (Nx's own spelling).
    public var root: String
    public var tags: [String]
    public var namedInputs: JSONObject
    /// Target name → target configuration, as written (before target defaults are applied).
    public var targets: JSONObject
    /// Where the configuration came from (`apps/app/project.json`, `nx show project`, ...).
    public var sources: [String]

    public init(name: String, root: String, tags: [String] = [], namedInputs: JSONObject = JSONObject(),
                targets: JSONObject = JSONObject(), sources: [String] = []) {
        self.name = name
        self.root = root
        self.tags = tags
        self.namedInputs = namedInputs
        self.targets = targets
        self.sources = sources
    }

    /// The root as a path prefix: `` for the workspace root.
    public var rootPath: String { root == "." ? "" : RelativePath.clean(root) }
}

/// An Nx workspace read from its files: nx.json and every project.json or package.json that makes a project.
public struct NxWorkspace: Sendable {
    /// The absolute directory that holds nx.json.
    public var root: String
    public var nxJSON: JSONObject
    public var projects: [NxProject]

    public init(root: String, nxJSON: JSONObject, projects: [NxProject]) {
        self.root = root
        self.nxJSON = nxJSON
        self.projects = projects
    }

    /// Directories never searched for projects: dependencies, version control, Nx's cache, build output.
    public static let skippedDirectories: Set<String> = ["node_modules", ".git", ".nx", "dist"]

    /// The nearest directory at or above `directory` (absolute) that holds an nx.json.
    public static func findRoot(from directory: String) -> String? {
        var current = RelativePath.clean(directory)
        while true {
            let candidate = "/" + current
            if FileSystem.kind(RelativePath.absolute(candidate, "nx.json"), followLinks: true) == .file {
                return candidate
            }
            if current.isEmpty { return nil }
            current = RelativePath.parent(current)
        }
    }

    /// Reads nx.json and every project under `root` (absolute).
    public static func load(root: String) throws(NxError) -> NxWorkspace {
        let nxJSON = try readJSON(root, "nx.json")?.object ?? JSONObject()
        var scan = ProjectScan(workspaceRoot: root)
        try scan.run()
        return NxWorkspace(root: root, nxJSON: nxJSON, projects: scan.projects)
    }

    public func project(named name: String) -> NxProject? { projects.first { $0.name == name } }

    /// The project whose root is the deepest one holding `path` (workspace-relative), if any.
    public func owner(of path: some Collection<UInt8>) -> NxProject? {
        let bytes = Array(path)
        var best: NxProject?
        var bestLength = -1
        for project in projects {
            let root = Array(project.rootPath.utf8)
            let inside = root.isEmpty || (bytes.count > root.count && bytes.starts(with: root)
                                          && bytes[root.count] == UInt8(ascii: "/"))
            if inside && root.count > bestLength {
                best = project
                bestLength = root.count
            }
        }
        return best
    }

    /// The named inputs a project sees: `default` (all of the project's files) unless redefined, then
    /// nx.json's, then the project's own (Nx's getNamedInputs).
    public func namedInputs(for project: NxProject) -> JSONObject {
        var result = JSONObject([
            ("default", .array([.object(JSONObject([("fileset", .string("{projectRoot}/**/*"))]))])),
        ])
        for (key, value) in nxJSON["namedInputs"]?.object?.pairs ?? [] { result[key] = value }
        for (key, value) in project.namedInputs.pairs { result[key] = value }
        return result
    }

    static func readJSON(_ directory: String, _ name: String) throws(NxError) -> JSONValue? {
        let fullPath = RelativePath.absolute(directory, name)
        guard let bytes = FileSystem.readFile(fullPath) else { return nil }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw NxError("\(fullPath) is not valid JSON: \(error)")
        }
    }
}

/// The search for projects: project.json files, and package.json files that carry an `nx` key or that the
/// package manager's workspaces name, in every directory but the skipped ones. A project.json and a
/// package.json in one directory make one project, the project.json on top.
struct ProjectScan {
    let workspaceRoot: String
    var projects: [NxProject] = []
    var workspaceGlobs: GlobList?

    init(workspaceRoot: String) { self.workspaceRoot = workspaceRoot }

    mutating func run() throws(NxError) {
        workspaceGlobs = try packageManagerWorkspaces()
        try visit("")
    }

    func absolute(_ relative: String) -> String {
        relative.isEmpty ? workspaceRoot : workspaceRoot + "/" + relative
    }

    mutating func visit(_ relative: String) throws(NxError) {
        let directory = absolute(relative)
        let names = FileSystem.list(directory)
        if names.contains("project.json") || names.contains("package.json") {
            if let project = try readProject(relative, hasProjectJSON: names.contains("project.json"),
                                             hasPackageJSON: names.contains("package.json")) {
                projects.append(project)
            }
        }
        for name in names where !NxWorkspace.skippedDirectories.contains(name) {
            let child = relative.isEmpty ? name : relative + "/" + name
            if FileSystem.kind(absolute(child)) == .directory { try visit(child) }
        }
    }

    /// Globs from package.json `workspaces` (npm, yarn) and pnpm-workspace.yaml `packages`.
    func packageManagerWorkspaces() throws(NxError) -> GlobList? {
        var patterns: [String] = []
        if let package = try NxWorkspace.readJSON(workspaceRoot, "package.json") {
            let list = package["workspaces"]?.array ?? package["workspaces"]?["packages"]?.array ?? []
            patterns += list.compactMap(\.string)
        }
        if let bytes = FileSystem.readFile(workspaceRoot + "/pnpm-workspace.yaml") {
            patterns += (try? YAMLDocument(bytes: bytes).stringList("packages")) ?? []
        }
        guard !patterns.isEmpty else { return nil }
        return try? GlobList(patterns.map(RelativePath.clean))
    }

    func readProject(_ relative: String, hasProjectJSON: Bool, hasPackageJSON: Bool) throws(NxError) -> NxProject? {
        let directory = absolute(relative)
        let root = relative.isEmpty ? "." : relative
        var project = NxProject(name: "", root: root)
        var packageName: String?
        var isProject = false

        if hasPackageJSON, let package = try NxWorkspace.readJSON(directory, "package.json")?.object {
            packageName = package["name"]?.string
            let nx = package["nx"]?.object
            let listed = workspaceGlobs?.matches(Array(relative.utf8)) ?? false
            if nx != nil || (listed && !relative.isEmpty) {
                isProject = true
                project.sources.append(RelativePath.join(relative, "package.json"))
                // Each script is an nx:run-script target (Nx's package.json inference), unless includedScripts
                // narrows them.
                let included = nx?["includedScripts"]?.array?.compactMap(\.string)
                for (script, _) in package["scripts"]?.object?.pairs ?? [] where included?.contains(script) ?? true {
                    project.targets[script] = .object(JSONObject([
                        ("executor", .string("nx:run-script")),
                        ("options", .object(JSONObject([("script", .string(script))]))),
                    ]))
                }
                if let nx { apply(nx, to: &project) }
            }
        }
        if hasProjectJSON, let configuration = try NxWorkspace.readJSON(directory, "project.json")?.object {
            isProject = true
            project.sources.append(RelativePath.join(relative, "project.json"))
            apply(configuration, to: &project)
        }
        guard isProject else { return nil }
        if project.name.isEmpty {
            project.name = packageName ?? (relative.isEmpty ? "root" : String(relative.split(separator: "/").last!))
        }
        return project
    }

    /// Lays a configuration (project.json, or package.json's `nx`) over what the project has so far.
    func apply(_ configuration: JSONObject, to project: inout NxProject) {
        if let name = configuration["name"]?.string { project.name = name }
        if let root = configuration["root"]?.string, !root.isEmpty { project.root = root }
        if let tags = configuration["tags"]?.array { project.tags += tags.compactMap(\.string) }
        for (key, value) in configuration["namedInputs"]?.object?.pairs ?? [] { project.namedInputs[key] = value }
        for (name, target) in configuration["targets"]?.object?.pairs ?? [] {
            guard let target = target.object else { continue }
            if let existing = project.targets[name]?.object {
                project.targets[name] = .object(NxTargets.merge(target, onto: existing, root: project.root))
            } else {
                project.targets[name] = .object(target)
            }
        }
    }
}
