/// Violations folded by directory, each group with the smallest glob that would declare it.
public struct ViolationGroup: Sendable, Equatable {
    public enum Kind: Sendable { case input, output }

    /// The directory, workspace-relative (`` for the workspace root).
    public var directory: [UInt8]
    /// Whether the group also holds files from directories below `directory`.
    public var recursive: Bool
    public var paths: [[UInt8]]
    /// The glob to add to the inputs (or outputs) that declares exactly this group, or close to it.
    public var suggestion: String

    /// Groups `paths` (sorted, unique) by their directory. A directory's group takes in the groups of the
    /// directories below it when it has violations of its own (so `dist/` and `dist/assets/` become one
    /// `dist/**` group), except at the workspace root, which would swallow everything.
    ///
    /// Suggestions, smallest first: one file → its path; a few files (up to 3) in one directory → `dir/{a,b}`;
    /// files sharing an extension → `dir/*.ext` (`dir/**/*.ext` across subdirectories); else `dir/*`
    /// (`dir/**`). For outputs, which cover everything below them, a group of several files suggests its
    /// directory. Paths inside `projectRoot` are written with `{projectRoot}`, others (with a project) with
    /// `{workspaceRoot}`, as Nx wants them.
    public static func group(_ paths: [[UInt8]], kind: Kind, projectRoot: String?) -> [ViolationGroup] {
        var byDirectory: [[UInt8]: [[UInt8]]] = [:]
        for path in paths { byDirectory[parent(path), default: []].append(path) }
        var directories = byDirectory.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var recursive = Set<[UInt8]>()
        // Fold each directory into its shallowest ancestor that has a group (not the root).
        for directory in directories where !directory.isEmpty {
            guard let ancestor = directories.first(where: { candidate in
                !candidate.isEmpty && candidate != directory && isAncestor(candidate, of: directory)
            }) else { continue }
            byDirectory[ancestor, default: []] += byDirectory[directory] ?? []
            byDirectory[directory] = nil
            recursive.insert(ancestor)
        }
        directories = byDirectory.keys.sorted { $0.lexicographicallyPrecedes($1) }
        return directories.map { directory in
            let members = byDirectory[directory]!.sorted { $0.lexicographicallyPrecedes($1) }
            let isRecursive = recursive.contains(directory)
            return ViolationGroup(directory: directory, recursive: isRecursive, paths: members,
                                  suggestion: suggest(members, in: directory, recursive: isRecursive, kind: kind,
                                                      projectRoot: projectRoot))
        }
    }

    static func parent(_ path: [UInt8]) -> [UInt8] {
        guard let slash = path.lastIndex(of: UInt8(ascii: "/")) else { return [] }
        return Array(path[..<slash])
    }

    static func isAncestor(_ a: [UInt8], of b: [UInt8]) -> Bool {
        b.count > a.count && b.starts(with: a) && b[a.count] == UInt8(ascii: "/")
    }

    static func suggest(_ paths: [[UInt8]], in directory: [UInt8], recursive: Bool, kind: Kind,
                        projectRoot: String?) -> String {
        let prefix = directory.isEmpty ? "" : escape(directory) + "/"
        let body: String
        if paths.count == 1 {
            body = escape(paths[0])
        } else if kind == .output && !directory.isEmpty {
            body = escape(directory)
        } else {
            let names = paths.map { escape(Array($0.dropFirst(directory.isEmpty ? 0 : directory.count + 1))) }
            let extensions = Set(paths.map(fileExtension))
            let sharedExtension = extensions.count == 1 ? extensions.first! : nil
            if !recursive && paths.count <= 3 {
                body = prefix + "{" + names.joined(separator: ",") + "}"
            } else if let sharedExtension, !sharedExtension.isEmpty {
                body = prefix + (recursive ? "**/" : "") + "*." + sharedExtension
            } else {
                body = prefix + (recursive ? "**" : "*")
            }
        }
        // Only a leading `!` means negation.
        return tokenize(body.hasPrefix("!") ? "\\" + body : body, projectRoot: projectRoot)
    }

    /// `{projectRoot}/…` for a path inside the project, `{workspaceRoot}/…` for one outside it.
    static func tokenize(_ pattern: String, projectRoot: String?) -> String {
        guard let projectRoot else { return pattern }
        let root = projectRoot == "." ? "" : projectRoot
        if root.isEmpty { return "{projectRoot}/" + pattern }
        if pattern.hasPrefix(root + "/") { return "{projectRoot}/" + pattern.dropFirst(root.count + 1) }
        return "{workspaceRoot}/" + pattern
    }

    static func fileExtension(_ path: [UInt8]) -> String {
        let name = path.split(separator: UInt8(ascii: "/")).last ?? []
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot > name.startIndex, dot < name.endIndex - 1 else {
            return ""
        }
        return String(decoding: name[(dot + 1)...], as: UTF8.self)
    }

    /// A path as glob text: the glob's special characters escaped; bytes that are not UTF-8 shown as U+FFFD
    /// (such a suggestion is only a hint: the list of paths names them exactly).
    static func escape(_ path: some Collection<UInt8>) -> String {
        var result = ""
        for character in String(decoding: Array(path), as: UTF8.self) {
            if "*?[]{}\\".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
