/// The tokens Nx fills into inputs and outputs.
public enum NxTokens {
    /// A fileset (input glob): `{projectRoot}` is the project's root, `{workspaceRoot}` the workspace; a
    /// leading `/` or `./` left by the substitution is dropped. The `!` of a negation is kept.
    public static func fileset(_ pattern: String, projectRoot: String) -> String {
        var (negation, text) = NxTokens.splitNegation(pattern)
        text = text.replacingAll("{projectRoot}", with: projectRoot == "." ? "" : projectRoot)
        text = text.replacingAll("{workspaceRoot}", with: "")
        return negation + trimLeading(text)
    }

    /// The leading `!`s of a negated pattern, kept as written, and the rest.
    static func splitNegation(_ pattern: String) -> (negation: String, body: String) {
        let body = pattern.drop { $0 == "!" }
        return (String(pattern.prefix(pattern.count - body.count)), String(body))
    }

    /// A leading `/` (from `{workspaceRoot}/x`) or `./` (from `./x`) dropped, as often as it comes.
    static func trimLeading(_ text: String) -> String {
        var result = Substring(text)
        while true {
            if result.hasPrefix("/") {
                result = result.dropFirst()
            } else if result.hasPrefix("./") {
                result = result.dropFirst(2)
            } else {
                return String(result)
            }
        }
    }

    /// An output (Nx's interpolate in getOutputsForTargetAndConfiguration): `{workspaceRoot}/` dropped,
    /// `{projectRoot}`, `{projectName}`, `{project.root}`, `{project.name}` and `{options.NAME}` (dotted
    /// paths into the options) filled in. Nil when a token has no value, or a value JavaScript calls falsy
    /// (an empty string, 0, false), since Nx then drops the output.
    public static func output(_ template: String, project: NxProject,
                              options: JSONObject) -> (String?, missing: String?) {
        var (negation, text) = NxTokens.splitNegation(template)
        if text.hasPrefix("{workspaceRoot}/") { text = String(text.dropFirst("{workspaceRoot}/".count)) }
        let root = project.root
        let data = JSONObject([
            ("projectRoot", .string(root)),
            ("projectName", .string(project.name)),
            ("workspaceRoot", .string("")),
            ("project", .object(JSONObject([("root", .string(root)), ("name", .string(project.name))]))),
            ("options", .object(options)),
        ])
        if root == "." { text = text.replacingAll("{projectRoot}/", with: "") }
        var result = ""
        var missing: String?
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            result += rest[..<open]
            let path = rest[rest.index(after: open)..<close].split(separator: ".", omittingEmptySubsequences: false)
            var value: JSONValue? = .object(data)
            for key in path { value = value?[String(key).trimmingSpaces] }
            if let value, value.isTruthy {
                result += value.interpolated
            } else {
                missing = missing ?? String(rest[open...close])
                result += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        if missing != nil { return (nil, missing) }
        return (negation + trimLeading(result), nil)
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
