/// Brace expansion as the JavaScript glob libraries do it (the `braces` and `brace-expansion` packages):
/// `a{b,c}d` is `abd` and `acd`, groups nest, `{1..3}` and `{a..c}` are ranges (`{01..10}` keeps the
/// width, `{1..9..2}` steps), and a group with neither `,` nor `..` stays literal. Escaped braces and
/// braces inside `[...]` are not groups.
enum BraceExpansion {
    static func expand(_ scalars: [Unicode.Scalar], limit: Int, pattern: String) throws(GlobError)
        -> [[Unicode.Scalar]]
    {
        var results: [[Unicode.Scalar]] = []
        var pending: [[Unicode.Scalar]] = [scalars]
        while let next = pending.popLast() {
            guard let group = firstGroup(next) else {
                results.append(next)
                continue
            }
            let prefix = Array(next[..<group.open])
            let suffix = Array(next[(group.close + 1)...])
            // Reversed, so that popLast takes the alternatives in written order.
            for alternative in group.alternatives.reversed() { pending.append(prefix + alternative + suffix) }
            if results.count + pending.count > limit {
                throw GlobError(pattern: pattern, reason: "braces expand to more than \(limit) patterns")
            }
        }
        return results
    }

    struct Group {
        var open: Int
        var close: Int
        var alternatives: [[Unicode.Scalar]]
    }

    /// The first brace group that expands (outermost first), or nil.
    static func firstGroup(_ scalars: [Unicode.Scalar]) -> Group? {
        var index = 0
        while index < scalars.count {
            switch scalars[index] {
            case "\\":
                index += 2
                continue
            case "[":
                if let (_, end) = CharacterSet.parse(scalars, openingAt: index) {
                    index = end + 1
                    continue
                }
            case "{":
                if let group = group(scalars, openingAt: index) { return group }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// The group opening at `open`, if it has a matching `}` and expands to something.
    static func group(_ scalars: [Unicode.Scalar], openingAt open: Int) -> Group? {
        var depth = 0
        var commas: [Int] = []
        var index = open
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\" {
                index += 2
                continue
            }
            if scalar == "[", let (_, end) = CharacterSet.parse(scalars, openingAt: index) {
                index = end + 1
                continue
            }
            if scalar == "{" { depth += 1 }
            if scalar == "}" {
                depth -= 1
                if depth == 0 {
                    let close = index
                    if !commas.isEmpty {
                        var alternatives: [[Unicode.Scalar]] = []
                        var start = open + 1
                        for comma in commas + [close] {
                            alternatives.append(Array(scalars[start..<comma]))
                            start = comma + 1
                        }
                        return Group(open: open, close: close, alternatives: alternatives)
                    }
                    if let range = self.range(Array(scalars[(open + 1)..<close])) {
                        return Group(open: open, close: close, alternatives: range)
                    }
                    return nil
                }
            }
            if scalar == "," && depth == 1 { commas.append(index) }
            index += 1
        }
        return nil
    }

    /// `1..5`, `-2..2`, `01..10`, `1..9..2`, `a..e`: the values, or nil when the text is not a range.
    static func range(_ body: [Unicode.Scalar]) -> [[Unicode.Scalar]]? {
        let text = String(String.UnicodeScalarView(body))
        let parts = text.split(separator: "..", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        var step = 1
        if parts.count == 3 {
            guard let value = Int(parts[2]), value != 0 else { return nil }
            step = abs(value)
        }
        if let first = Int(parts[0]), let last = Int(parts[1]) {
            let padded = [parts[0], parts[1]].contains { $0.trimmingSign.count > 1 && $0.trimmingSign.hasPrefix("0") }
            let width = padded ? max(parts[0].trimmingSign.count, parts[1].trimmingSign.count) : 0
            guard abs(last - first) / step < 10_000 else { return nil }
            let values = first <= last ? Array(stride(from: first, through: last, by: step))
                                       : Array(stride(from: first, through: last, by: -step))
            return values.map { value in
                let digits = String(abs(value))
                let body = String(repeating: "0", count: max(0, width - digits.count)) + digits
                return Array(((value < 0 ? "-" : "") + body).unicodeScalars)
            }
        }
        let a = Array(parts[0].unicodeScalars), b = Array(parts[1].unicodeScalars)
        guard a.count == 1, b.count == 1 else { return nil }
        let low = a[0].value, high = b[0].value
        let values = low <= high ? Array(stride(from: low, through: high, by: step))
                                 : Array(stride(from: low, through: high, by: -step))
        return values.compactMap { Unicode.Scalar($0).map { [$0] } }
    }
}

private extension String {
    var trimmingSign: Substring { hasPrefix("-") ? dropFirst() : self[...] }
}
