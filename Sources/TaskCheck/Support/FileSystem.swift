#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few file-system reads the Nx resolution (and the command line) needs: whole small files and
/// directory listings.
public enum FileSystem {
    enum Kind { case file, directory, other }

    /// The file's bytes, or nil when it cannot be opened or read.
    public static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    /// The kind of what is at `path`, links not followed; nil when nothing is.
    static func kind(_ path: String, followLinks: Bool = false) -> Kind? {
        var info = stat()
        guard (followLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// The names in a directory, `.` and `..` left out, sorted by bytes.
    static func list(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    static func isExecutableFile(_ path: String) -> Bool {
        kind(path, followLinks: true) == .file && access(path, X_OK) == 0
    }

    /// The canonical absolute form of `path`, symlinks resolved.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
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
