/// Which paths are reported, and under what name (SPEC: Paths).
public struct WorkspaceFilter: Sendable {
    /// The workspace as given and, when different, its canonical form: a path inside either is inside.
    public let roots: [[UInt8]]
    /// Components that drop a path wherever they appear.
    public let ignoredNames: Set<[UInt8]>

    public static let defaultIgnoredNames: [String] = ["node_modules", ".git", ".nx"]

    /// `roots` are normalized absolute paths; the first is the one the report names.
    public init(roots: [[UInt8]], ignoredNames: some Sequence<[UInt8]>) {
        var unique: [[UInt8]] = []
        for root in roots.map(PathResolver.normalize) where !unique.contains(root) { unique.append(root) }
        self.roots = unique
        self.ignoredNames = Set(ignoredNames)
        ignoredList = Array(self.ignoredNames)
    }

    /// The same names as an array: a few names compare faster than they hash.
    private let ignoredList: [[UInt8]]

    /// The path relative to the workspace, or nil when it is outside, is the workspace itself, or has an
    /// ignored component. `path` must be normalized and absolute.
    public func relativePath(_ path: [UInt8]) -> ArraySlice<UInt8>? {
        for root in roots {
            // "/" as the workspace: every path but "/" itself is inside it.
            let prefixLength = root.count == 1 ? 1 : root.count + 1
            guard path.count > prefixLength, path.starts(with: root),
                  root.count == 1 || path[root.count] == PathResolver.slash
            else { continue }
            let relative = path[prefixLength...]
            if !ignoredNames.isEmpty, hasIgnoredComponent(relative) { return nil }
            return relative
        }
        return nil
    }

    /// Walks the components in place: no allocation per component (this runs at every decoded open).
    private func hasIgnoredComponent(_ relative: ArraySlice<UInt8>) -> Bool {
        var start = relative.startIndex
        while start < relative.endIndex {
            let end = relative[start...].firstIndex(of: PathResolver.slash) ?? relative.endIndex
            let component = relative[start..<end]
            if ignoredList.contains(where: { $0.elementsEqual(component) }) { return true }
            start = end + 1
        }
        return false
    }
}
