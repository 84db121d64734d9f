import Kernel

/// The few file-system reads the Nx resolution (and the command line) needs, through the Kernel door: whole
/// small files and directory listings, paths as Nx writes them (UTF-8 text).
public enum FileSystem {
    enum Kind { case file, directory, other }

    /// The file's bytes, or nil when it cannot be opened or read.
    public static func readFile(_ path: String) -> [UInt8]? { try? Files.read(path).get() }

    /// The kind of what is at `path`, links not followed unless asked; nil when nothing is.
    static func kind(_ path: String, followLinks: Bool = false) -> Kind? {
        switch Files.kind(path, followingLinks: followLinks) {
        case .file: return .file
        case .directory: return .directory
        case .other: return .other
        case nil: return nil
        }
    }

    /// The names in a directory, `.` and `..` left out, sorted by bytes.
    static func list(_ path: String) -> [String] {
        let names = (try? Files.list(path).get()) ?? []
        return names.sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Workspace-relative path text: joining, and the lexical clean-up Nx does to interpolated paths.
enum RelativePath {
    /// `a/./b//c/` → `a/b/c`; a leading `./` or `/` dropped; `.` alone → `` (the workspace root).
    static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    static func join(_ a: String, _ b: String) -> String {
        if a.isEmpty || a == "." { return clean(b) }
        if b.isEmpty { return clean(a) }
        return clean(a + "/" + b)
    }

    /// Whether `path` is `directory` or below it ("" is the workspace root, above everything).
    static func isInside(_ path: String, _ directory: String) -> Bool {
        directory.isEmpty || path == directory || path.hasPrefix(directory + "/")
    }

    /// `directory` (absolute) and a relative `name` joined with one `/`.
    static func absolute(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
