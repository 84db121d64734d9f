/// Lexical path arithmetic on raw bytes (SPEC: Paths). Nothing here touches the file system: symlinks are
/// the kernel's business, and a path opened through a link is reported under the link's name.
public enum PathResolver {
    package static let slash = UInt8(ascii: "/")
    package static let dot = UInt8(ascii: ".")

    /// `path` made absolute against `base` (an absolute directory) and normalized: no `.` or `..`
    /// components, no repeated or trailing `/`. `..` at the root stays at the root, as the kernel does.
    @inlinable
    public static func resolve(_ path: some Collection<UInt8>, against base: some Collection<UInt8>) -> [UInt8] {
        let slash = UInt8(ascii: "/")
        if path.first == slash { return normalize(path) }
        var output = [UInt8]()
        output.reserveCapacity(base.count + path.count + 1)
        appendNormalized(base, to: &output)
        appendNormalized(path, to: &output)
        return output.isEmpty ? [slash] : output
    }

    /// The lexical normal form of an absolute path. A relative input is treated as relative to `/`.
    @inlinable
    public static func normalize(_ path: some Collection<UInt8>) -> [UInt8] {
        let slash = UInt8(ascii: "/")
        var output = [UInt8]()
        output.reserveCapacity(path.count + 1)
        appendNormalized(path, to: &output)
        return output.isEmpty ? [slash] : output
    }

    /// Appends the components of `path` to `output`, which holds "" or "/a/b" (no trailing slash), one
    /// component at a time: `.` and empty ones skipped, `..` removing the last (never above the root).
    /// Works in place on `output`, with no allocation of its own: this runs at every decoded open. Inlinable,
    /// as its callers: specialized for the caller's collection in every engine's module, not run through
    /// generic witnesses byte by byte.
    @inlinable
    static func appendNormalized(_ path: some Collection<UInt8>, to output: inout [UInt8]) {
        let (slash, dot) = (UInt8(ascii: "/"), UInt8(ascii: "."))
        var index = path.startIndex
        while index != path.endIndex {
            // Skip separators, then take one component [start, index).
            while index != path.endIndex && path[index] == slash { index = path.index(after: index) }
            let start = index
            var length = 0
            while index != path.endIndex && path[index] != slash {
                index = path.index(after: index)
                length += 1
            }
            if length == 0 { break }
            if length == 1 && path[start] == dot { continue }
            if length == 2 && path[start] == dot && path[path.index(after: start)] == dot {
                if let last = output.lastIndex(of: slash) { output.removeSubrange(last...) }
                continue
            }
            output.append(slash)
            output.append(contentsOf: path[start..<index])
        }
    }

    /// Whether `path` starts with a `/`.
    @inlinable
    public static func isAbsolute(_ path: some Collection<UInt8>) -> Bool { path.first == UInt8(ascii: "/") }
}
