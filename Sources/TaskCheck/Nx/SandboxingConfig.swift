import CLibYAML

/// A YAML document, read by libyaml's event parser (Yams' Swift layer would bring Foundation into the static
/// binary and quadruple its size). This file is the only one that touches libyaml.
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
            case .sequence(let items):
                return items.compactMap { if case .scalar(let s) = $0 { return s } else { return nil } }
            default: return nil
            }
        }
    }

    let root: Value

    /// Parses the first document of the stream (an empty stream is `.null`).
    init(bytes: [UInt8]) throws(NxError) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else { throw NxError("cannot start the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        var builder = Builder()
        try bytes.withUnsafeBufferPointer { (buffer) throws(NxError) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var done = false
            while !done {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) != 0 else {
                    throw NxError("not valid YAML: \(Self.describeError(parser))")
                }
                defer { yaml_event_delete(&event) }
                done = try builder.consume(event)
            }
        }
        root = builder.root ?? .null
    }

    private static func describeError(_ parser: yaml_parser_t) -> String {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        let mark = parser.problem_mark
        return "\(problem) at line \(mark.line + 1), column \(mark.column + 1)"
    }

    /// Turns libyaml's event stream into a tree: a stack of open collections, anchors remembered for aliases.
    private struct Builder {
        private enum Open {
            case sequence(anchor: String?, items: [Value])
            case mapping(anchor: String?, pairs: [(String, Value)], key: String?)
        }

        /// Aliases can make a small file expand exponentially ("billion laughs"): a document that would
        /// grow past this many values is refused.
        private static let valueBudget = 1_000_000

        private var stack: [Open] = []
        private var anchors: [String: (Value, size: Int)] = [:]
        private var values = 0
        private(set) var root: Value?

        /// Returns true once the first document has ended.
        mutating func consume(_ event: yaml_event_t) throws(NxError) -> Bool {
            switch event.type {
            case YAML_STREAM_END_EVENT, YAML_DOCUMENT_END_EVENT:
                return true
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length),
                                  as: UTF8.self)
                // A plain `~` or `null` (or nothing) is YAML's null; anything else is kept as its text.
                let isNull = scalar.plain_implicit != 0 && scalar.style == YAML_PLAIN_SCALAR_STYLE
                    && ["~", "null", "Null", "NULL", ""].contains(text)
                try add(isNull ? .null : .scalar(text), anchor: Self.string(scalar.anchor), size: 1)
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                guard let (value, size) = anchors[name] else { throw NxError("not valid YAML: unknown alias *\(name)") }
                try add(value, anchor: nil, size: size)
            case YAML_SEQUENCE_START_EVENT:
                stack.append(.sequence(anchor: Self.string(event.data.sequence_start.anchor), items: []))
            case YAML_MAPPING_START_EVENT:
                stack.append(.mapping(anchor: Self.string(event.data.mapping_start.anchor), pairs: [], key: nil))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let value: Value
                let anchor: String?
                switch stack.removeLast() {
                case .sequence(let name, let items): (value, anchor) = (.sequence(items), name)
                case .mapping(let name, let pairs, _): (value, anchor) = (.mapping(pairs), name)
                }
                try add(value, anchor: anchor, size: 1, counted: true)
            default:
                break
            }
            return false
        }

        private mutating func add(_ value: Value, anchor: String?, size: Int, counted: Bool = false) throws(NxError) {
            if !counted { values += size }
            guard values <= Self.valueBudget else {
                throw NxError("YAML document too large (aliases expand it past \(Self.valueBudget) values)")
            }
            if let anchor { anchors[anchor] = (value, Self.size(of: value)) }
            guard let top = stack.popLast() else {
                root = value
                return
            }
            switch top {
            case .sequence(let name, var items):
                items.append(value)
                stack.append(.sequence(anchor: name, items: items))
            case .mapping(let name, var pairs, let key):
                if let key {
                    pairs.append((key, value))
                    stack.append(.mapping(anchor: name, pairs: pairs, key: nil))
                } else if case .scalar(let text) = value {
                    stack.append(.mapping(anchor: name, pairs: pairs, key: text))
                } else {
                    // A key that is not a string (a list, a mapping, null) names nothing we read.
                    stack.append(.mapping(anchor: name, pairs: pairs, key: "\u{0}"))
                }
            }
        }

        private static func size(of value: Value) -> Int {
            switch value {
            case .scalar, .null: return 1
            case .sequence(let items): return 1 + items.reduce(0) { $0 + size(of: $1) }
            case .mapping(let pairs): return 1 + pairs.reduce(0) { $0 + size(of: $1.1) }
            }
        }

        private static func string(_ bytes: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            bytes.map { String(cString: $0) }
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
        var (negation, text) = NxTokens.splitNegation(pattern)
        let root = workspaceRoot.hasSuffix("/") ? workspaceRoot : workspaceRoot + "/"
        if text.hasPrefix(root) {
            text = String(text.dropFirst(root.count))
        } else if text.hasPrefix("/") {
            return nil
        }
        return negation + NxTokens.trimLeading(text.replacingAll("{workspaceRoot}", with: ""))
    }
}
