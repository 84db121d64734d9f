import TraceModel

/// The check's report as one JSON object. Keys may be added, never renamed or removed. Names use the
/// report's lossless form (`JSONWriter`), with `nameBytes` last.
public enum CheckJSONRenderer {
    public static func render(_ result: CheckResult) -> [UInt8] {
        JSONWriter.document { json in members(result, into: &json) }
    }

    /// The object's members: also each task's in a whole run's check (`RunCheckJSONRenderer`).
    static func members(_ result: CheckResult, into json: inout JSONWriter) {
        task(result, into: &json)
        violations(result, into: &json)
        accepted(result, into: &json)
        declarations(result.declarations, into: &json)
        json.member("warnings", strings: result.report.warnings)
    }

    /// What ran and how it ended: `task` to `violations`.
    private static func task(_ result: CheckResult, into json: inout JSONWriter) {
        let report = result.report
        json.member("version", number: 1)
        json.member("task", string: result.declarations.task)
        json.member("declaredBy", string: result.declarations.source)
        json.member("command", names: report.command)
        json.member("workspace", name: report.workspace)
        json.member("exitCode", number: result.exitStatus)
        json.member("commandExitCode", number: report.outcome.exitStatus)
        JSONRenderer.outcome(report.outcome, into: &json)
        json.member("clean", bool: result.isClean)
        json.member("violations", number: result.violationCount)
    }

    /// The violations, as lists and grouped by directory.
    private static func violations(_ result: CheckResult, into json: inout JSONWriter) {
        json.member("undeclaredReads", names: result.undeclaredReads)
        json.member("undeclaredWrites", names: result.undeclaredWrites)
        json.member("unwrittenOutputs", strings: result.unwrittenOutputs.map(\.path))
        let projectRoot = result.declarations.projectRoot
        json.key("groups")
        json.object { json in
            json.key("undeclaredReads")
            groups(ViolationGroup.group(result.undeclaredReads, kind: .input, projectRoot: projectRoot), into: &json)
            json.key("undeclaredWrites")
            groups(ViolationGroup.group(result.undeclaredWrites, kind: .output, projectRoot: projectRoot), into: &json)
        }
    }

    private static func groups(_ groups: [ViolationGroup], into json: inout JSONWriter) {
        json.array { json in
            for group in groups {
                json.object { json in
                    json.member("directory", name: group.directory)
                    json.member("recursive", bool: group.recursive)
                    json.member("count", number: group.paths.count)
                    json.member("suggestion", string: group.suggestion)
                    json.member("paths", names: group.paths)
                }
            }
        }
    }

    /// What the declarations let through, and the informational lists.
    private static func accepted(_ result: CheckResult, into json: inout JSONWriter) {
        json.key("dependencyReads")
        json.array { json in
            for read in result.dependencyReads {
                json.object(compact: true) { json in
                    json.member("project", string: read.project)
                    json.member("path", name: read.path)
                }
            }
        }
        json.member("excludedReads", names: result.excludedReads)
        json.member("excludedWrites", names: result.excludedWrites)
        json.member("missingOutsideInputs", names: result.missingOutsideInputs)
        json.member("declaredReadCount", number: result.declaredReadCount)
        json.member("declaredWriteCount", number: result.declaredWriteCount)
    }

    /// The declarations as resolved.
    private static func declarations(_ declarations: TaskDeclarations, into json: inout JSONWriter) {
        json.member("inputs", strings: declarations.inputPatterns)
        json.member("outputs", strings: declarations.outputPatterns)
        json.member("notChecked", strings: declarations.notChecked)
        json.member("notes", strings: declarations.notes)
    }
}
