import Yams

/// A YAML document, read with Yams (libyaml). This file is the only one that imports Yams: its Foundation
/// dependency is the price of a real YAML parser, and a lighter parser would only need to replace this type.
struct YAMLDocument {
    enum Value: Equatable {
        case scalar(String)
        case sequence([Value])
        case mapping([(String, Value)])
        case null

        static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case (.scalar(let x), .scalar(let y)): return x == y
            case (.sequence(let x), .sequence(let y)): return x == y
            case (.mapping(let x), .mapping(let y)): return x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
            case (.null, .null): return true
            default: return false
            }
        }

        subscript(key: String) -> Value? {
            if case .mapping(let pairs) = self { return pairs.last { $0.0 == key }?.1 }
            return nil
        }

        /// A sequence of scalars, or one scalar, as strings.
        var strings: [String]? {
            switch self {
            case .scalar(let text): return [text]
            case .sequence(let items): return items.compactMap { if case .scalar(let s) = $0 { return s } else { return nil } }
            default: return nil
            }
        }
    }

    let root: Value

    init(bytes: [UInt8]) throws(NxError) {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            root = try Yams.compose(yaml: text).map(Self.convert) ?? .null
        } catch {
            throw NxError("not valid YAML: \(error)")
        }
    }

    private static func convert(_ node: Node) -> Value {
        switch node {
        case .scalar(let scalar):
            // A plain `~` or `null` is YAML's null; anything else is kept as its text.
            if scalar.style == .plain && ["~", "null", "Null", "NULL", ""].contains(scalar.string) { return .null }
            return .scalar(scalar.string)
        case .sequence(let sequence): return .sequence(sequence.map(convert))
        case .mapping(let mapping):
            return .mapping(mapping.compactMap { pair in
                guard case .scalar(let key) = pair.key else { return nil }
                return (key.string, convert(pair.value))
            })
        case .alias: return .null
        }
    }

    func stringList(_ key: String) -> [String]? { root[key]?.strings }
}

/// `.nx/workflows/sandboxing-config.yaml`: the globs Nx Cloud's sandboxing leaves out of its violations.
///
///     exclude-reads:
///       - '**/.DS_Store'
///     exclude-writes:
///       - 'tmp/**'
///     task-exclusions:            # optional, per task (PROJECT:TARGET, globs allowed)
///       - task: 'app:build'
///         exclude-reads: ['apps/app/.cache/**']
///
/// `task-exclusions` is also read as a mapping from task to its exclusions. Patterns are workspace-relative;
/// `{workspaceRoot}` is filled in, and an absolute path inside the workspace is made relative.
public struct SandboxingConfig: Sendable, Equatable {
    public static let relativePath = ".nx/workflows/sandboxing-config.yaml"

    public var excludeReads: [String] = []
    public var excludeWrites: [String] = []
    public var warnings: [String] = []

    public init(excludeReads: [String] = [], excludeWrites: [String] = []) {
        self.excludeReads = excludeReads
        self.excludeWrites = excludeWrites
    }

    /// Reads the file under `workspaceRoot` (absolute) if it is there; nil when it is not.
    public static func load(workspaceRoot: String, task: NxTaskID?) throws(NxError) -> SandboxingConfig? {
        let path = RelativePath.absolute(workspaceRoot, relativePath)
        let bytes: [UInt8]
        if let found = FileSystem.readFile(path) {
            bytes = found
        } else if let found = FileSystem.readFile(String(path.dropLast(4)) + "yml") {
            bytes = found
        } else {
            return nil
        }
        do {
            return try SandboxingConfig(yaml: bytes, task: task, workspaceRoot: workspaceRoot)
        } catch {
            throw NxError("\(path): \(error.description)")
        }
    }

    public init(yaml bytes: [UInt8], task: NxTaskID?, workspaceRoot: String) throws(NxError) {
        let document = try YAMLDocument(bytes: bytes)
        let fix = { (patterns: [String]?) in
            (patterns ?? []).compactMap { Self.workspaceRelative($0, workspaceRoot: workspaceRoot) }
        }
        excludeReads = fix(document.stringList("exclude-reads"))
        excludeWrites = fix(document.stringList("exclude-writes"))
        guard let perTask = document.root["task-exclusions"] else { return }
        var entries: [(String, YAMLDocument.Value)] = []
        switch perTask {
        case .sequence(let items):
            for item in items {
                let names = item["task"]?.strings ?? item["tasks"]?.strings ?? item["target"]?.strings ?? []
                for name in names { entries.append((name, item)) }
            }
        case .mapping(let pairs):
            entries = pairs
        default:
            warnings.append("task-exclusions is neither a list nor a mapping: ignored")
        }
        guard let task else { return }
        for (pattern, exclusions) in entries where Self.task(task, matches: pattern) {
            excludeReads += fix(exclusions["exclude-reads"]?.strings)
            excludeWrites += fix(exclusions["exclude-writes"]?.strings)
        }
    }

    /// `app:build` matches `app:build`, `app:*`, `*:build`, `app` (every target of it), and, with a
    /// configuration, `app:build:production`.
    static func task(_ task: NxTaskID, matches pattern: String) -> Bool {
        let candidates = [task.description, "\(task.project):\(task.target)"]
        let full = pattern.contains(":") ? pattern : pattern + ":*"
        guard let glob = try? Glob(full) else { return false }
        return candidates.contains { glob.matches(Array($0.utf8)) }
    }

    /// The pattern relative to the workspace, or nil for an absolute path outside it (which no path in the
    /// report can match).
    static func workspaceRelative(_ pattern: String, workspaceRoot: String) -> String? {
        var negation = ""
        var body = Substring(pattern)
        while body.hasPrefix("!") {
            negation += "!"
            body = body.dropFirst()
        }
        var text = String(body)
        let root = workspaceRoot.hasSuffix("/") ? workspaceRoot : workspaceRoot + "/"
        if text.hasPrefix(root) {
            text = String(text.dropFirst(root.count))
        } else if text.hasPrefix("/") {
            return nil
        }
        return negation + NxTokens.trimLeading(text.replacingAll("{workspaceRoot}", with: ""))
    }
}
