import ArgumentParser
import TraceModel
import Kernel
import PtraceEngine
import StraceReader
import TaskCheck
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum NxSourceChoice: String, ExpressibleByArgument, CaseIterable {
    /// The nx CLI when there is one (node_modules/.bin/nx, then PATH), else the files.
    case auto
    case cli
    case files
}

/// `iotrace-native check`: run and trace a task, then hold what it read and wrote against what it declares.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run a task and report the reads and writes its declared inputs and outputs do not cover.",
        discussion: """
            Prints only the violations: consumed files (read, not produced by the task) that no input or output \
            matches; written files that no output covers; declared outputs never written. Globs are \
            workspace-relative (*, **, ?, [...], {a,b}, ! negation; dotfiles match). With --nx, the \
            declarations come from the Nx workspace (the nx CLI when installed, else project.json, package.json \
            and nx.json), and the workspace is the directory that holds nx.json. \
            Exit status: the command's own when it failed; otherwise 0 when clean, 1 on a violation; 125 when \
            the declarations cannot be read or the tracer failed (the command then never runs).
            """)

    @OptionGroup var options: TraceOptions

    @Option(parsing: .upToNextOption, help: ArgumentHelp(
        "Globs of the files the task may read (repeatable; a later !GLOB excludes).", valueName: "GLOB"))
    var inputs: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp(
        "Globs or paths of what the task writes; a directory covers everything below it.", valueName: "GLOB"))
    var outputs: [String] = []

    @Option(name: .customLong("exclude-reads"), parsing: .upToNextOption, help: ArgumentHelp(
        "Globs of reads never reported as violations.", valueName: "GLOB"))
    var excludeReads: [String] = []

    @Option(name: .customLong("exclude-writes"), parsing: .upToNextOption, help: ArgumentHelp(
        "Globs of writes never reported as violations.", valueName: "GLOB"))
    var excludeWrites: [String] = []

    @Option(name: .customLong("nx"), help: ArgumentHelp(
        "Take the declarations from this Nx task.", valueName: "PROJECT:TARGET[:CONFIGURATION]"))
    var nxTask: String?

    @Option(name: .customLong("nx-target-json"), help: ArgumentHelp(
        "Saved output of `nx show target PROJECT:TARGET --json` (or `nx show project PROJECT --json`).",
        valueName: "FILE"))
    var nxTargetJSON: String?

    @Option(name: .customLong("nx-from"), help: ArgumentHelp(
        "Where --nx reads the task: auto (the nx CLI if installed, else the files), cli, or files.",
        valueName: "SOURCE"))
    var nxFrom: NxSourceChoice = .auto

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The task's command, after --.", valueName: "COMMAND"))
    var command: [String] = []

    func validate() throws {
        if command.isEmpty || command[0].isEmpty {
            throw ValidationError(
                "no command to check: give one after --, e.g. iotrace-native check --nx app:build -- node build.mjs")
        }
        // Nothing declared: the whole run is checked, task by task (an Nx run), from the Nx workspace.
        if let nxTask {
            do { _ = try NxTaskID(parsing: nxTask) } catch { throw ValidationError("--nx: \(error)") }
        }
        if let nxTargetJSON, Files.kind(nxTargetJSON) != .file {
            throw ValidationError("--nx-target-json '\(nxTargetJSON)' is not a file that exists")
        }
        for pattern in inputs + outputs + excludeReads + excludeWrites {
            do { _ = try GlobList([pattern]) } catch { throw ValidationError("\(error)") }
        }
    }

    /// No declarations given: check every task of the traced run against its own.
    var checksWholeRun: Bool { nxTask == nil && nxTargetJSON == nil && inputs.isEmpty && outputs.isEmpty }

    func run() throws {
        if checksWholeRun { return try runWholeRun() }
        let loadAhead = options.beginEBPFLoad()
        let (declarations, workspace) = try resolveDeclarations()
        var traceOptions = options
        traceOptions.workspace = workspace
        let sink = try ReportSink(output: options.output)
        let trace = try traceOptions.trace(rawCommandArguments(count: command.count), sink: sink,
                                           loadAhead: loadAhead)
        let result = Checker.check(trace.report, against: declarations)
        switch options.format {
        case .text: try sink.write(CheckTextRenderer.render(result))
        case .json: try sink.write(CheckJSONRenderer.render(result))
        }
        throw ExitCode(result.exitStatus)
    }

    /// The whole run: traced with its processes (each one's task comes from its exec's environment), then each
    /// task checked against its declarations, resolved after the run since only then are the tasks known.
    func runWholeRun() throws {
        let loadAhead = options.beginEBPFLoad()
        let root = try nxRoot()
        var traceOptions = options
        traceOptions.workspace = root
        let sink = try ReportSink(output: options.output)
        let trace = try traceOptions.trace(rawCommandArguments(count: command.count), sink: sink, recordProcesses: true,
                                           loadAhead: loadAhead)
        var run = RunCheck(report: trace.report, tasks: RunCheck.tasks(of: trace.report))
        let workspace = try? NxWorkspace.load(root: root)
        for index in run.tasks.indices {
            let task = run.tasks[index].record.task
            let id = NxTaskID(project: task.project, target: task.target, configuration: task.configuration)
            do throws(CLIError) {
                guard let workspace else { throw CLIError("the Nx workspace \(root) could not be read") }
                let declarations = try nxDeclarations(id, workspace: workspace)
                let report = RunCheck.taskReport(run.tasks[index], run: trace.report)
                run.tasks[index].result = Checker.check(RunCheck.accesses(run.tasks[index].record), report: report,
                                                        against: declarations)
            } catch {
                run.tasks[index].error = error.message
            }
        }
        switch options.format {
        case .text: try sink.write(RunCheckTextRenderer.render(run))
        case .json: try sink.write(RunCheckJSONRenderer.render(run))
        }
        throw ExitCode(run.exitStatus)
    }

    /// The directory with nx.json, at or above --workspace (or the current directory).
    func nxRoot() throws(CLIError) -> String {
        let start = options.workspace.map(absolutePath) ?? String(decoding: Files.currentDirectory(), as: UTF8.self)
        guard let root = NxWorkspace.findRoot(from: start) else {
            if checksWholeRun {
                throw CLIError("nothing declared and no nx.json in \(start) or above it: give --inputs and --outputs "
                    + "globs, or --nx PROJECT:TARGET, or run it in an Nx workspace to check every task of a run")
            }
            throw CLIError("no nx.json in \(start) or above it: --nx needs an Nx workspace "
                + "(give its directory with --workspace)")
        }
        return root
    }

    /// One task's declarations from the Nx workspace: the nx CLI or the files (--nx-from), the sandboxing
    /// config's exclusions, and the command line's globs on top.
    func nxDeclarations(_ task: NxTaskID, workspace: NxWorkspace) throws(CLIError) -> TaskDeclarations {
        do {
            var declarations = try declarationsFromNxCLI(task, workspace: workspace)
                ?? NxDeclarations.resolve(task, in: workspace)
            try addSandboxing(to: &declarations, root: workspace.root)
            try declarations.add(inputs: inputs, outputs: outputs, excludeReads: excludeReads,
                                 excludeWrites: excludeWrites)
            return declarations
        } catch let error as NxError {
            throw CLIError("\(error)")
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// `.nx/workflows/sandboxing-config.yaml`'s exclusions for the task, when the workspace has one.
    func addSandboxing(to declarations: inout TaskDeclarations, root: String) throws(NxError) {
        let id = try NxTaskID(parsing: declarations.task)
        guard let sandboxing = try SandboxingConfig.load(workspaceRoot: root, task: id) else { return }
        do {
            declarations.excludeReads.append(try GlobList(sandboxing.excludeReads))
            declarations.excludeWrites.append(try GlobList(sandboxing.excludeWrites))
        } catch {
            throw NxError("\(SandboxingConfig.relativePath): \(error)")
        }
        declarations.exclusionSources.append(SandboxingConfig.relativePath)
        declarations.notes += sandboxing.warnings
    }

    /// The declarations, and the workspace to trace: the one given, or with --nx the directory of nx.json.
    /// Everything here happens before the command runs, so a declaration that cannot be read never runs it.
    func resolveDeclarations() throws(CLIError) -> (TaskDeclarations, String?) {
        guard nxTask != nil || nxTargetJSON != nil else {
            do {
                let declarations = try TaskDeclarations.commandLine(
                    inputs: inputs, outputs: outputs, excludeReads: excludeReads, excludeWrites: excludeWrites)
                return (declarations, options.workspace)
            } catch {
                throw CLIError("\(error)")
            }
        }
        let root = try nxRoot()
        do {
            let task = try nxTask.map { text throws(NxError) in try NxTaskID(parsing: text) }
            let workspace = try NxWorkspace.load(root: root)
            var declarations: TaskDeclarations
            if let nxTargetJSON {
                guard let bytes = FileSystem.readFile(nxTargetJSON) else {
                    throw NxError("cannot read \(nxTargetJSON)")
                }
                let json: JSONValue
                do {
                    json = try JSONValue.parse(bytes)
                } catch {
                    throw NxError("\(nxTargetJSON) is not valid JSON: \(error)")
                }
                declarations = try NxDeclarations.resolve(task, fromNxOutput: json, in: workspace, source: nxTargetJSON)
            } else if let task, let fromCLI = try declarationsFromNxCLI(task, workspace: workspace) {
                declarations = fromCLI
            } else {
                declarations = try NxDeclarations.resolve(task!, in: workspace)
            }
            try addSandboxing(to: &declarations, root: root)
            try declarations.add(inputs: inputs, outputs: outputs, excludeReads: excludeReads,
                                 excludeWrites: excludeWrites)
            return (declarations, root)
        } catch let error as NxError {
            throw CLIError("--nx: \(error)")
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// `nx show project PROJECT --json` run in the workspace, when the nx CLI is there (and --nx-from allows):
    /// its targets include inferred ones and are already merged with the target defaults. Nil when the files
    /// are to be read instead. `nx show project` rather than `nx show target`: its output carries the project
    /// root that `{projectRoot}` needs, and it exists in every Nx since 16.
    func declarationsFromNxCLI(_ task: NxTaskID, workspace: NxWorkspace) throws(NxError) -> TaskDeclarations? {
        guard nxFrom != .files else { return nil }
        let local = workspace.root + "/node_modules/.bin/nx"
        guard let nx = Files.findExecutable(local) ?? Files.findExecutable("nx") else {
            if nxFrom == .cli {
                throw NxError("--nx-from cli: no nx in \(workspace.root)/node_modules/.bin or on PATH")
            }
            return nil
        }
        let arguments = ["show", "project", task.project, "--json"]
        let shell = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", workspace.root, nx] + arguments
        let run = HelperProcess.run(shell.map { Array($0.utf8) }, captureOutput: true)
        let (status, output) = (try? run.get()).map { ($0.status, $0.output) } ?? (127, [])
        let text = output.firstIndex(of: UInt8(ascii: "{")).map { Array(output[$0...]) }
        let json = text.flatMap { try? JSONValue.parse($0) }
        guard status == 0, let json else {
            let why = "`nx \(arguments.joined(separator: " "))` failed (status \(status))"
            if nxFrom == .cli { throw NxError(why) }
            printError("note: \(why); reading the task from the workspace files instead")
            return nil
        }
        return try NxDeclarations.resolve(task, fromNxOutput: json, in: workspace,
                                          source: "nx show project \(task.project)")
    }
}

/// `path` made absolute against the current directory, normalized.
private func absolutePath(_ path: String) -> String {
    String(decoding: PathResolver.resolve(Array(path.utf8), against: Files.currentDirectory()), as: UTF8.self)
}
