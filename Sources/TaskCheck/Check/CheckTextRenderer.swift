import TraceModel

/// The check's report as text: only what needs doing, violations grouped by directory with a suggestion each.
public enum CheckTextRenderer {
    /// At most this many paths are listed under one group; the JSON report lists them all.
    public static let pathsPerGroup = 10

    public static func render(_ result: CheckResult) -> [UInt8] {
        var out = Lines()
        heading(result, into: &out)
        let projectRoot = result.declarations.projectRoot
        groups("UNDECLARED READS: consumed, matched by no input or output", result.undeclaredReads, .input,
               projectRoot: projectRoot, into: &out)
        groups("UNDECLARED WRITES: matched by no output", result.undeclaredWrites, .output,
               projectRoot: projectRoot, into: &out)
        unwrittenOutputs(result.unwrittenOutputs, into: &out)
        dependencyReads(result.dependencyReads, into: &out)
        missingOutsideInputs(result.missingOutsideInputs, into: &out)
        excluded(result, into: &out)
        let declarations = result.declarations
        out.section("NOT CHECKED (declarations that are not about workspace files):", declarations.notChecked)
        out.section("NOTES:", declarations.notes + result.report.warnings)
        return out.bytes
    }

    /// `CHECK TASK: ...`, who declared it, and how the command ended when it failed.
    private static func heading(_ result: CheckResult, into out: inout Lines) {
        let task = result.declarations.task
        let summary = "\(result.declaredReadCount) declared input\(plural(result.declaredReadCount)) read, "
            + "\(result.declaredWriteCount) declared output file\(plural(result.declaredWriteCount)) written"
        if result.isClean {
            out.line("CHECK \(task): clean (\(summary))")
        } else {
            out.line("CHECK \(task): \(result.violationCount) violation\(plural(result.violationCount)) (\(summary))")
        }
        out.line("  declared by: \(result.declarations.source)")
        switch result.report.outcome {
        case .exited(0): break
        case .exited(let code): out.line("  the command failed: exit status \(code)")
        case .killed(let signal): out.line("  the command was killed by signal \(signal)")
        case .execFailed(let error): out.line("  the command could not be run: \(error)")
        }
    }

    /// One section of violations, grouped by directory, each group with the glob that would declare it.
    private static func groups(_ title: String, _ paths: [[UInt8]], _ kind: ViolationGroup.Kind,
                               projectRoot: String?, into out: inout Lines) {
        guard !paths.isEmpty else { return }
        out.line()
        out.line("\(title) (\(paths.count) file\(plural(paths.count))):")
        let verb = kind == .input ? "add to inputs" : "add to outputs"
        for group in ViolationGroup.group(paths, kind: kind, projectRoot: projectRoot) {
            let directory = group.directory.isEmpty ? "(workspace root)"
                : String(decoding: TextRenderer.display(group.directory), as: UTF8.self) + "/"
                + (group.recursive ? "**" : "")
            let count = group.paths.count
            out.line("  \(directory)  \(count) file\(plural(count))  → \(verb): \(group.suggestion)")
            for path in group.paths.prefix(pathsPerGroup) { out.path("      ", path) }
            if count > pathsPerGroup { out.line("      ... and \(count - pathsPerGroup) more") }
        }
    }

    private static func unwrittenOutputs(_ outputs: [TaskDeclarations.Output], into out: inout Lines) {
        guard !outputs.isEmpty else { return }
        out.line()
        out.line("DECLARED OUTPUTS NEVER WRITTEN (\(outputs.count)):")
        for output in outputs {
            let declared = output.declared == output.path ? "" : "  (declared as \(output.declared))"
            out.line("  - \(output.path)\(declared)")
        }
    }

    private static func dependencyReads(_ reads: [CheckResult.DependencyRead], into out: inout Lines) {
        guard !reads.isEmpty else { return }
        out.line()
        out.line("DEPENDENCY INPUTS: accepted through dependency inputs, listed apart (\(reads.count)):")
        for read in reads { out.path("  - ", read.path, "  (\(read.project))") }
    }

    private static func missingOutsideInputs(_ paths: [[UInt8]], into out: inout Lines) {
        guard !paths.isEmpty else { return }
        let shown = pathsPerGroup * 2
        out.line()
        out.line("PROBED BUT MISSING, outside the inputs (\(paths.count) path\(plural(paths.count))): informational; "
            + "a file created there later could change the task's result unseen")
        for path in paths.prefix(shown) { out.path("  - ", path) }
        if paths.count > shown { out.line("  ... and \(paths.count - shown) more") }
    }

    private static func excluded(_ result: CheckResult, into out: inout Lines) {
        let (reads, writes) = (result.excludedReads, result.excludedWrites)
        guard !reads.isEmpty || !writes.isEmpty else { return }
        out.line()
        out.line("EXCLUDED (\(reads.count) read\(plural(reads.count)), \(writes.count) write\(plural(writes.count))) "
            + "by \(result.declarations.exclusionSources.joined(separator: " and ")):")
        for path in reads { out.path("  - read ", path) }
        for path in writes { out.path("  - write ", path) }
    }

    static func plural(_ count: Int) -> String { count == 1 ? "" : "s" }

    /// The report being written, a line at a time.
    private struct Lines {
        var bytes: [UInt8] = []

        mutating func line(_ text: String = "") { bytes += Array((text + "\n").utf8) }

        /// `indent`, the path in the text report's form, `suffix`.
        mutating func path(_ indent: String, _ path: [UInt8], _ suffix: String = "") {
            bytes += Array(indent.utf8) + TextRenderer.display(path) + Array((suffix + "\n").utf8)
        }

        /// An empty line, `heading`, and `  - ITEM` lines; nothing when there are no items.
        mutating func section(_ heading: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            line()
            line(heading)
            for item in items { line("  - \(item)") }
        }
    }
}
