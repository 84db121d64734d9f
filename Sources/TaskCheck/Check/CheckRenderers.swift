import TraceModel

/// The check's report as text: only what needs doing, violations grouped by directory with a suggestion each.
public enum CheckTextRenderer {
    /// At most this many paths are listed under one group; the JSON report lists them all.
    public static let pathsPerGroup = 10

    public static func render(_ result: CheckResult) -> [UInt8] {
        var out = [UInt8]()
        func line(_ text: String = "") { out += Array((text + "\n").utf8) }
        func pathLine(_ indent: String, _ path: [UInt8], _ suffix: String = "") {
            out += Array(indent.utf8) + TextRenderer.display(path) + Array((suffix + "\n").utf8)
        }
        let declarations = result.declarations
        let summary = "\(result.declaredReadCount) declared input\(plural(result.declaredReadCount)) read, "
            + "\(result.declaredWriteCount) declared output file\(plural(result.declaredWriteCount)) written"
        if result.isClean {
            line("CHECK \(declarations.task): clean (\(summary))")
        } else {
            line("CHECK \(declarations.task): \(result.violationCount) violation\(plural(result.violationCount)) "
                + "(\(summary))")
        }
        line("  declared by: \(declarations.source)")

        let outcome = result.report.outcome
        switch outcome {
        case .exited(0): break
        case .exited(let code): line("  the command failed: exit status \(code)")
        case .killed(let signal): line("  the command was killed by signal \(signal)")
        case .execFailed(let error): line("  the command could not be run: \(error)")
        }

        func groups(_ title: String, _ paths: [[UInt8]], _ kind: ViolationGroup.Kind) {
            guard !paths.isEmpty else { return }
            line()
            line("\(title) (\(paths.count) file\(plural(paths.count))):")
            let verb = kind == .input ? "add to inputs" : "add to outputs"
            for group in ViolationGroup.group(paths, kind: kind, projectRoot: declarations.projectRoot) {
                let directory = group.directory.isEmpty ? "(workspace root)"
                    : String(decoding: TextRenderer.display(group.directory), as: UTF8.self) + "/"
                    + (group.recursive ? "**" : "")
                line("  \(directory)  \(group.paths.count) file\(plural(group.paths.count))  → \(verb): \(group.suggestion)")
                for path in group.paths.prefix(pathsPerGroup) { pathLine("      ", path) }
                if group.paths.count > pathsPerGroup { line("      ... and \(group.paths.count - pathsPerGroup) more") }
            }
        }
        groups("UNDECLARED READS: consumed, matched by no input or output", result.undeclaredReads, .input)
        groups("UNDECLARED WRITES: matched by no output", result.undeclaredWrites, .output)

        if !result.unwrittenOutputs.isEmpty {
            line()
            line("DECLARED OUTPUTS NEVER WRITTEN (\(result.unwrittenOutputs.count)):")
            for output in result.unwrittenOutputs {
                line("  - \(output.path)" + (output.declared == output.path ? "" : "  (declared as \(output.declared))"))
            }
        }
        if !result.dependencyReads.isEmpty {
            line()
            line("DEPENDENCY INPUTS: accepted through dependency inputs, listed apart (\(result.dependencyReads.count)):")
            for read in result.dependencyReads { pathLine("  - ", read.path, "  (\(read.project))") }
        }
        if !result.missingOutsideInputs.isEmpty {
            let count = result.missingOutsideInputs.count
            line()
            line("PROBED BUT MISSING, outside the inputs (\(count) path\(plural(count))): informational; a file "
                + "created there later could change the task's result unseen")
            for path in result.missingOutsideInputs.prefix(pathsPerGroup * 2) { pathLine("  - ", path) }
            if count > pathsPerGroup * 2 { line("  ... and \(count - pathsPerGroup * 2) more") }
        }
        let excluded = result.excludedReads.count + result.excludedWrites.count
        if excluded > 0 {
            line()
            line("EXCLUDED (\(result.excludedReads.count) read\(plural(result.excludedReads.count)), "
                + "\(result.excludedWrites.count) write\(plural(result.excludedWrites.count))) by "
                + declarations.exclusionSources.joined(separator: " and ") + ":")
            for path in result.excludedReads { pathLine("  - read ", path) }
            for path in result.excludedWrites { pathLine("  - write ", path) }
        }
        if !declarations.notChecked.isEmpty {
            line()
            line("NOT CHECKED (declarations that are not about workspace files):")
            for entry in declarations.notChecked { line("  - \(entry)") }
        }
        let notes = declarations.notes + result.report.warnings
        if !notes.isEmpty {
            line()
            line("NOTES:")
            for note in notes { line("  - \(note)") }
        }
        return out
    }

    static func plural(_ count: Int) -> String { count == 1 ? "" : "s" }
}

/// The check's report as one JSON object. Keys may be added, never renamed or removed.
public enum CheckJSONRenderer {
    public static func render(_ result: CheckResult) -> [UInt8] {
        var out = Array("{\n".utf8)
        var first = true
        func key(_ name: String) {
            out += Array(((first ? "" : ",\n") + "  \"\(name)\": ").utf8)
            first = false
        }
        func string(_ text: String) { JSONRenderer.string(Array(text.utf8), into: &out) }
        func strings(_ items: [String]) { JSONRenderer.array(items.map { Array($0.utf8) }, indent: "  ", into: &out) }
        func paths(_ items: [[UInt8]]) { JSONRenderer.array(items, indent: "  ", into: &out) }

        let report = result.report
        let declarations = result.declarations
        key("version"); out += Array("1".utf8)
        key("task"); string(declarations.task)
        key("declaredBy"); string(declarations.source)
        key("command"); paths(report.command)
        key("workspace"); JSONRenderer.string(report.workspace, into: &out)
        key("exitCode"); out += Array("\(result.exitStatus)".utf8)
        key("commandExitCode"); out += Array("\(report.outcome.exitStatus)".utf8)
        if case .killed(let signal) = report.outcome { key("signal"); out += Array("\(signal)".utf8) }
        if case .execFailed(let error) = report.outcome { key("error"); string(error.description) }
        key("clean"); out += Array("\(result.isClean)".utf8)
        key("violations"); out += Array("\(result.violationCount)".utf8)
        key("undeclaredReads"); paths(result.undeclaredReads)
        key("undeclaredWrites"); paths(result.undeclaredWrites)
        key("unwrittenOutputs"); strings(result.unwrittenOutputs.map(\.path))
        key("groups")
        out += Array("{\n    \"undeclaredReads\": ".utf8)
        groups(ViolationGroup.group(result.undeclaredReads, kind: .input, projectRoot: declarations.projectRoot))
        out += Array(",\n    \"undeclaredWrites\": ".utf8)
        groups(ViolationGroup.group(result.undeclaredWrites, kind: .output, projectRoot: declarations.projectRoot))
        out += Array("\n  }".utf8)
        key("dependencyReads")
        JSONRenderer.list(result.dependencyReads, indent: "  ", into: &out) { read, out in
            out += Array("{\"project\": ".utf8)
            JSONRenderer.string(Array(read.project.utf8), into: &out)
            out += Array(", \"path\": ".utf8)
            JSONRenderer.string(read.path, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        key("excludedReads"); paths(result.excludedReads)
        key("excludedWrites"); paths(result.excludedWrites)
        key("missingOutsideInputs"); paths(result.missingOutsideInputs)
        key("declaredReadCount"); out += Array("\(result.declaredReadCount)".utf8)
        key("declaredWriteCount"); out += Array("\(result.declaredWriteCount)".utf8)
        key("inputs"); strings(declarations.inputPatterns)
        key("outputs"); strings(declarations.outputPatterns)
        key("notChecked"); strings(declarations.notChecked)
        key("notes"); strings(declarations.notes)
        key("warnings"); strings(report.warnings)
        out += Array("\n}\n".utf8)
        return out

        func groups(_ groups: [ViolationGroup]) {
            JSONRenderer.list(groups, indent: "    ", into: &out) { group, out in
                out += Array("{\n        \"directory\": ".utf8)
                JSONRenderer.string(group.directory, into: &out)
                out += Array(",\n        \"recursive\": \(group.recursive),\n        \"count\": \(group.paths.count),\n".utf8)
                out += Array("        \"suggestion\": ".utf8)
                JSONRenderer.string(Array(group.suggestion.utf8), into: &out)
                out += Array(",\n        \"paths\": ".utf8)
                JSONRenderer.array(group.paths, indent: "        ", into: &out)
                out += Array("\n      }".utf8)
            }
        }
    }
}
