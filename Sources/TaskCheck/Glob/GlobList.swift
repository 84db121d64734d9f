/// An ordered list of globs, some negated with a leading `!`, that together say which paths they match.
///
/// Two rules for negation, because the two places patterns come from disagree:
///
/// - `.lastMatchWins` (the command line's `--inputs`, `--outputs`, `--exclude-*`): the patterns are read in
///   order and the last one that matches a path decides; a `!` pattern un-matches what came before it, and a
///   later positive pattern can match it again. A list that starts with `!` starts from nothing matched.
/// - `.negationExcludes` (Nx inputs and outputs, as Nx's hasher filters files): a path matches when some
///   positive pattern matches it and no negated one does, wherever the negation stands in the list.
///
/// `!!pattern` is `pattern`; `\!pattern` is a pattern that starts with a literal `!`.
public struct GlobList: Sendable, Equatable {
    public enum NegationRule: Sendable, Equatable {
        case lastMatchWins
        case negationExcludes
    }

    public struct Entry: Sendable, Equatable {
        public var negated: Bool
        public var glob: Glob
        /// The pattern as written, `!` included.
        public var source: String
    }

    public private(set) var entries: [Entry]
    public let rule: NegationRule

    public init(_ patterns: [String] = [], rule: NegationRule = .lastMatchWins) throws(GlobError) {
        self.rule = rule
        entries = []
        for pattern in patterns { try append(pattern) }
    }

    public mutating func append(_ pattern: String) throws(GlobError) {
        var body = Substring(pattern)
        var negated = false
        while body.hasPrefix("!") {
            negated.toggle()
            body = body.dropFirst()
        }
        entries.append(Entry(negated: negated, glob: try Glob(String(body)), source: pattern))
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var patterns: [String] { entries.map(\.source) }
    public var positive: [Entry] { entries.filter { !$0.negated } }

    /// Whether the list matches `path` (workspace-relative, normalized).
    public func matches(_ path: some Collection<UInt8>) -> Bool {
        let bytes = Array(path)
        return decide { $0.matches(bytes) }
    }

    /// Whether the list covers `path` as a list of outputs does: an entry that matches the path or any
    /// directory above it covers the path (Nx caches a matched directory whole).
    public func covers(_ path: some Collection<UInt8>) -> Bool {
        let candidates = Self.selfAndAncestors(Array(path))
        return decide { glob in candidates.contains { glob.matches($0) } }
    }

    /// `a/b/c`, `a/b`, `a`.
    static func selfAndAncestors(_ path: [UInt8]) -> [[UInt8]] {
        var result = [path]
        var end = path.count
        while let slash = path[..<end].lastIndex(of: UInt8(ascii: "/")) {
            if slash > 0 { result.append(Array(path[..<slash])) }
            end = slash
        }
        return result
    }

    private func decide(_ test: (Glob) -> Bool) -> Bool {
        switch rule {
        case .lastMatchWins:
            for entry in entries.reversed() where test(entry.glob) { return !entry.negated }
            return false
        case .negationExcludes:
            var matchedPositive = false
            for entry in entries {
                if entry.negated {
                    if test(entry.glob) { return false }
                } else if !matchedPositive {
                    matchedPositive = test(entry.glob)
                }
            }
            return matchedPositive
        }
    }
}
