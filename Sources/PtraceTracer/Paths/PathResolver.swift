/// Lexical path arithmetic on raw bytes (SPEC: Paths). Nothing here touches the file system: symlinks are
/// the kernel's business, and a path opened through a link is reported under the link's name.
public enum PathResolver {
    static let slash = UInt8(ascii: "/")
    static let dot = UInt8(ascii: ".")

    /// `path` made absolute against `base` (an absolute directory) and normalized: no `.` or `..`
    /// components, no repeated or trailing `/`. `..` at the root stays at the root, as the kernel does.
    public static func resolve(_ path: some Collection<UInt8>, against base: some Collection<UInt8>) -> [UInt8] {
        if path.first == slash { return normalize(path) }
        var joined = [UInt8]()
        joined.reserveCapacity(base.count + path.count + 1)
        joined.append(contentsOf: base)
        joined.append(slash)
        joined.append(contentsOf: path)
        return normalize(joined)
    }

    /// The lexical normal form of an absolute path. A relative input is treated as relative to `/`.
    public static func normalize(_ path: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(path.count + 1)
        // `output` always holds "/" followed by components joined with "/" (no trailing slash but root's).
        var component = [UInt8]()
        func flush() {
            defer { component.removeAll(keepingCapacity: true) }
            if component.isEmpty || component == [dot] { return }
            if component == [dot, dot] {
                if let last = output.lastIndex(of: slash) { output.removeSubrange(last...) }
                return
            }
            output.append(slash)
            output.append(contentsOf: component)
        }
        for byte in path {
            if byte == slash { flush() } else { component.append(byte) }
        }
        flush()
        return output.isEmpty ? [slash] : output
    }

    /// Whether `path` starts with a `/`.
    public static func isAbsolute(_ path: some Collection<UInt8>) -> Bool { path.first == slash }
}
