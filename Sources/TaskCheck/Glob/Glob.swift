/// One glob pattern, compiled once and matched against workspace-relative paths as raw bytes.
///
/// The semantics are those of the glob libraries JavaScript monorepos use (picomatch and minimatch, as Nx
/// calls them), with `dot: true` as Nx's file inputs behave:
///
/// - A path is split at `/`; `*`, `?` and `[...]` never match a `/`.
/// - `**` as a whole segment matches zero or more segments: `a/**` matches everything below `a` (and `a`
///   itself), `**/x` matches `x` at any depth, `a/**/b` matches `a/b` and `a/x/y/b`. `**` inside a segment
///   (`a**b`) is a `*`.
/// - `*` matches any run of characters within a segment, the empty one included; `?` matches one character
///   (one UTF-8 sequence, or one byte that is not UTF-8).
/// - `[abc]`, `[a-z]`, `[!a]` or `[^a]` (negated), and the POSIX classes `[[:alpha:]]` and friends match one
///   character. A `[` without its `]` is literal.
/// - `{a,b}` expands to each alternative (nested braces included), `{1..3}` and `{a..c}` to ranges. A brace
///   group without a `,` or `..` (`{a}`) is literal.
/// - `\` makes the next character literal.
/// - Dotfiles are matched like any other name (`dot: true`): `src/**` matches `src/.env`.
/// - A leading `./` is ignored, repeated `/` count as one, and a trailing `/` means the directory's contents
///   (`dist/` is `dist/**`).
///
/// Negation (`!pattern`) belongs to a list of patterns, not to one: see `GlobList`.
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written.
    public let source: String
    /// One compiled form per brace alternative.
    let alternatives: [[Segment]]

    public var description: String { source }

    /// At most this many alternatives after brace expansion: a pattern like `{a,b}{c,d}...` grows fast.
    static let maximumAlternatives = 4096

    public init(_ source: String) throws(GlobError) {
        self.source = source
        let expanded = try BraceExpansion.expand(Array(source.unicodeScalars), limit: Self.maximumAlternatives,
                                                 pattern: source)
        var compiled: [[Segment]] = []
        for alternative in expanded {
            let segments = Self.compile(alternative)
            if !compiled.contains(segments) { compiled.append(segments) }
        }
        alternatives = compiled
    }

    public static func == (a: Glob, b: Glob) -> Bool { a.source == b.source }

    /// Whether the glob matches `path`, a workspace-relative path with `/` separators and no `.`, `..` or
    /// empty components.
    public func matches(_ path: some Collection<UInt8>) -> Bool {
        let bytes = Array(path)
        let segments = Self.split(bytes)
        return alternatives.contains { Self.match($0, segments, in: bytes) }
    }

    /// Whether the glob is a plain path: no wildcard, class or brace in it.
    public var isLiteral: Bool {
        alternatives.count == 1
            && alternatives[0].allSatisfy { if case .literal = $0 { return true } else { return false } }
    }

    // MARK: - Compiling

    /// A segment of a compiled pattern, between two `/`.
    enum Segment: Equatable, Sendable {
        /// `**`: zero or more whole segments.
        case globstar
        /// Exactly these bytes.
        case literal([UInt8])
        /// A mix of literal bytes and wildcards.
        case wild([Token])
    }

    enum Token: Equatable, Sendable {
        case byte(UInt8)
        /// `?`
        case one
        /// `*`
        case star
        case set(CharacterSet)
    }

    static func compile(_ scalars: [Unicode.Scalar]) -> [Segment] {
        // Split at `/` first (a `/` inside brackets cannot match anything, so nothing is lost), then drop
        // `.` and empty segments: the lexical normal form the tracer reports paths in.
        var rawSegments: [[Unicode.Scalar]] = [[]]
        var escaped = false
        for scalar in scalars {
            if scalar == "/" && !escaped {
                rawSegments.append([])
                continue
            }
            escaped = !escaped && scalar == "\\"
            rawSegments[rawSegments.count - 1].append(scalar)
        }
        let trailingSlash = rawSegments.count > 1 && rawSegments.last!.isEmpty
        var segments: [Segment] = []
        for raw in rawSegments {
            if raw.isEmpty || raw == ["."] { continue }
            segments.append(compileSegment(raw))
        }
        if trailingSlash { segments.append(.globstar) }
        return segments
    }

    static func compileSegment(_ scalars: [Unicode.Scalar]) -> Segment {
        if scalars == ["*", "*"] { return .globstar }
        var tokens: [Token] = []
        var index = 0
        func appendLiteral(_ scalar: Unicode.Scalar) {
            for byte in String(Character(scalar)).utf8 { tokens.append(.byte(byte)) }
        }
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "\\":
                index += 1
                appendLiteral(index < scalars.count ? scalars[index] : "\\")
            case "*":
                if tokens.last != .star { tokens.append(.star) }
            case "?":
                tokens.append(.one)
            case "[":
                if let (set, end) = CharacterSet.parse(scalars, openingAt: index) {
                    tokens.append(.set(set))
                    index = end
                } else {
                    appendLiteral(scalar)
                }
            default:
                appendLiteral(scalar)
            }
            index += 1
        }
        var literal: [UInt8] = []
        for token in tokens {
            guard case .byte(let byte) = token else { return .wild(tokens) }
            literal.append(byte)
        }
        return .literal(literal)
    }

    // MARK: - Matching

    static func split(_ path: [UInt8]) -> [Range<Int>] {
        var segments: [Range<Int>] = []
        var start = 0
        for index in path.indices where path[index] == UInt8(ascii: "/") {
            if index > start { segments.append(start..<index) }
            start = index + 1
        }
        if path.count > start { segments.append(start..<path.count) }
        return segments
    }

    /// Segments against segments, `**` standing for any run of segments. The last `**` seen is the only
    /// backtracking point needed: a later one can absorb whatever an earlier one would have.
    static func match(_ pattern: [Segment], _ segments: [Range<Int>], in path: [UInt8]) -> Bool {
        var p = 0, s = 0
        var starP = -1, starS = 0
        while s < segments.count {
            if p < pattern.count, pattern[p] == .globstar {
                starP = p
                starS = s
                p += 1
                continue
            }
            if p < pattern.count, matchSegment(pattern[p], path[segments[s]]) {
                p += 1
                s += 1
                continue
            }
            guard starP >= 0 else { return false }
            p = starP + 1
            starS += 1
            s = starS
        }
        while p < pattern.count, pattern[p] == .globstar { p += 1 }
        return p == pattern.count
    }

    static func matchSegment(_ segment: Segment, _ name: ArraySlice<UInt8>) -> Bool {
        switch segment {
        case .globstar: return true
        case .literal(let bytes): return name.elementsEqual(bytes)
        case .wild(let tokens): return matchTokens(tokens, name)
        }
    }

    /// Tokens against the bytes of one segment; `*` backtracks one character at a time.
    static func matchTokens(_ tokens: [Token], _ name: ArraySlice<UInt8>) -> Bool {
        var t = 0, n = name.startIndex
        var starT = -1, starN = name.startIndex
        while n < name.endIndex {
            if t < tokens.count {
                switch tokens[t] {
                case .star:
                    starT = t
                    starN = n
                    t += 1
                    continue
                case .byte(let byte):
                    if name[n] == byte {
                        t += 1
                        n += 1
                        continue
                    }
                case .one:
                    t += 1
                    n += UTF8Character.length(name, at: n)
                    continue
                case .set(let set):
                    let (value, length) = UTF8Character.decode(name, at: n)
                    if set.contains(value) {
                        t += 1
                        n += length
                        continue
                    }
                }
            }
            guard starT >= 0 else { return false }
            t = starT + 1
            starN += UTF8Character.length(name, at: starN)
            n = starN
        }
        while t < tokens.count, tokens[t] == .star { t += 1 }
        return t == tokens.count
    }
}

/// Why a pattern could not be compiled.
public struct GlobError: Error, Equatable, CustomStringConvertible {
    public let pattern: String
    public let reason: String
    public var description: String { "glob '\(pattern)': \(reason)" }
}
