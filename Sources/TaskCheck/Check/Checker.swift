import TraceModel

/// The accesses of one run held against the task's declarations.
public struct CheckResult: Sendable {
    public struct DependencyRead: Sendable, Equatable {
        /// The project the file belongs to, or `dependentTasksOutputFiles` for outputs of dependency tasks.
        public var project: String
        public var path: [UInt8]
    }

    public var declarations: TaskDeclarations
    public var report: Report
    /// Consumed files that no input or output matches.
    public var undeclaredReads: [[UInt8]] = []
    /// Written (created, deleted) files that no output covers.
    public var undeclaredWrites: [[UInt8]] = []
    /// Declared outputs the task wrote nothing under.
    public var unwrittenOutputs: [TaskDeclarations.Output] = []
    /// Reads accepted as dependency inputs (another project's files, through `^` inputs).
    public var dependencyReads: [DependencyRead] = []
    /// Reads and writes that would be violations but for an exclusion.
    public var excludedReads: [[UInt8]] = []
    public var excludedWrites: [[UInt8]] = []
    /// Paths the task probed and did not find, outside every input glob (and not excluded). Informational: a
    /// file appearing there later could change what the task does, yet no input would notice it.
    public var missingOutsideInputs: [[UInt8]] = []
    /// How many consumed files and written files the declarations accepted.
    public var declaredReadCount = 0
    public var declaredWriteCount = 0

    public var violationCount: Int { undeclaredReads.count + undeclaredWrites.count + unwrittenOutputs.count }
    public var isClean: Bool { violationCount == 0 }

    /// The command's own status when it failed (exit status N, 128 + signal, 126/127); otherwise 0 when
    /// clean and 1 on a violation.
    public var exitStatus: Int32 {
        let status = report.outcome.exitStatus
        if status != 0 { return status }
        return isClean ? 0 : 1
    }
}

public enum Checker {
    public static func check(_ report: Report, against declarations: TaskDeclarations) -> CheckResult {
        check(TaskAccesses(report: report), report: report, against: declarations)
    }

    /// Each consumed file is declared (an input matches it, or an output covers it), else a dependency input
    /// (another project's file its dependency inputs accept, or a dependency task's output), else excluded,
    /// else undeclared. Each produced file is declared (an output covers it), else excluded, else undeclared.
    public static func check(_ accesses: TaskAccesses, report: Report,
                             against declarations: TaskDeclarations) -> CheckResult {
        var result = CheckResult(declarations: declarations, report: report)
        let ownRoot = declarations.projectRoot.map { $0 == "." ? "" : $0 }
        for path in accesses.consumed {
            if declarations.inputs.contains(where: { $0.matches(path) })
                || declarations.outputs.contains(where: { $0.covers(path) }) {
                result.declaredReadCount += 1
            } else if let project = dependencyProject(of: path, declarations, ownRoot: ownRoot) {
                result.dependencyReads.append(.init(project: project, path: path))
            } else if declarations.excludeReads.contains(where: { $0.matches(path) }) {
                result.excludedReads.append(path)
            } else {
                result.undeclaredReads.append(path)
            }
        }
        var declaredWrites: [[UInt8]] = []
        for path in accesses.produced {
            if declarations.outputs.contains(where: { $0.covers(path) }) {
                declaredWrites.append(path)
            } else if declarations.excludeWrites.contains(where: { $0.matches(path) }) {
                result.excludedWrites.append(path)
            } else {
                result.undeclaredWrites.append(path)
            }
        }
        result.declaredWriteCount = declaredWrites.count
        result.missingOutsideInputs = accesses.missing.filter { path in
            !declarations.inputs.contains(where: { $0.matches(path) })
                && !declarations.outputs.contains(where: { $0.covers(path) })
                && !declarations.excludeReads.contains(where: { $0.matches(path) })
        }
        // An output counts as written when a declared write lies at or under what it matches.
        result.unwrittenOutputs = declarations.checkedOutputs.filter { output in
            !declaredWrites.contains { path in GlobList.selfAndAncestors(path).contains { output.glob.matches($0) } }
        }
        return result
    }

    /// The project whose dependency inputs accept `path`: the deepest project root holding it, when that is
    /// not the task's own and its scope matches; or `dependentTasksOutputFiles` when that glob matches.
    static func dependencyProject(of path: [UInt8], _ declarations: TaskDeclarations, ownRoot: String?) -> String? {
        var best: TaskDeclarations.DependencyScope?
        for scope in declarations.dependencies {
            let root = Array(scope.root.utf8)
            let inside = root.isEmpty || (path.count > root.count && path.starts(with: root)
                                          && path[root.count] == UInt8(ascii: "/"))
            if inside && (best == nil || scope.root.utf8.count > best!.root.utf8.count) { best = scope }
        }
        if let best {
            // A file of a project nested inside the task's own project belongs to the nested one only when its
            // root is deeper than the task's.
            let ownIsDeeper = ownRoot.map { !$0.isEmpty && $0.utf8.count > best.root.utf8.count
                && RelativePath.isInside(String(decoding: path, as: UTF8.self), $0) } ?? false
            if !ownIsDeeper && best.files.matches(path) { return best.project }
        }
        if let outputs = declarations.dependencyOutputs, outputs.matches(path) { return "dependentTasksOutputFiles" }
        return nil
    }
}
