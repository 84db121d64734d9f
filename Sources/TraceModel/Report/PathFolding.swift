/// `--summary`: a long list of workspace-relative paths folded into directory lines with counts, so that a
/// section of thousands of paths stays a screenful.
///
/// The rule, per directory D (below the workspace root), from the deepest up: a child directory whose
/// subtree holds more than `threshold` paths is summarized on its own (recursively, by this same rule);
/// what is left of D (its own paths and those of its smaller child directories) is listed path by path when
/// it is at most `threshold` paths, and otherwise is one line, `D/  (N files)`. So such a line stands for
/// more than `threshold` paths, it sits at the deepest directory that has that many, and the counts of all
/// lines add up to the section's count: no path is counted twice. At the root, which has no line of its own,
/// a remainder above the threshold shows each smaller top-level directory as one line (one with a single
/// path shows that path) and the root's own paths one by one.
public enum PathFolding {
    public enum Line: Equatable, Sendable {
        case path([UInt8])
        /// A directory (no trailing `/`) standing for `count` paths below it.
        case directory([UInt8], count: Int)

        /// Where the line sorts: its path, or the directory followed by `/`.
        var sortKey: [UInt8] {
            switch self {
            case .path(let path): return path
            case .directory(let directory, _): return directory + [UInt8(ascii: "/")]
            }
        }
    }

    /// The largest number of paths a directory may show one by one.
    public static let threshold = 10

    /// `paths` (sorted, unique, relative, `/`-separated) as summary lines, sorted by bytes.
    public static func fold(_ paths: [[UInt8]], threshold: Int = threshold) -> [Line] {
        let root = Node()
        for path in paths { root.insert(path) }
        return fold(root, prefix: [], threshold: threshold).sorted { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }
    }

    private final class Node {
        /// Paths whose last component is directly in this directory.
        var paths: [[UInt8]] = []
        var children: [ArraySlice<UInt8>: Node] = [:]
        /// Every path in this directory's subtree.
        var count = 0

        func insert(_ path: [UInt8]) {
            var node = self
            node.count += 1
            let components = path.split(separator: UInt8(ascii: "/"))
            for component in components.dropLast() {
                let child = node.children[component] ?? Node()
                node.children[component] = child
                node = child
                node.count += 1
            }
            node.paths.append(path)
        }

        func allPaths(into out: inout [[UInt8]]) {
            out += paths
            for child in children.values { child.allPaths(into: &out) }
        }
    }

    private static func fold(_ node: Node, prefix: [UInt8], threshold: Int) -> [Line] {
        var lines: [Line] = []
        var smaller: [(prefix: [UInt8], node: Node)] = []
        var remainder = node.paths.count
        for (name, child) in node.children {
            let childPrefix = prefix.isEmpty ? Array(name) : prefix + [UInt8(ascii: "/")] + name
            if child.count > threshold {
                lines += fold(child, prefix: childPrefix, threshold: threshold)
            } else {
                smaller.append((childPrefix, child))
                remainder += child.count
            }
        }
        if remainder <= threshold {
            var paths = node.paths
            for (_, child) in smaller { child.allPaths(into: &paths) }
            return lines + paths.map(Line.path)
        }
        if !prefix.isEmpty { return lines + [.directory(prefix, count: remainder)] }
        for (childPrefix, child) in smaller {
            if child.count == 1 {
                var only: [[UInt8]] = []
                child.allPaths(into: &only)
                lines += only.map(Line.path)
            } else {
                lines.append(.directory(childPrefix, count: child.count))
            }
        }
        return lines + node.paths.map(Line.path)
    }
}
