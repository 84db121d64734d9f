import ArgumentParser

/// How much the trace subcommand's report shows (issue 5). Apart from `TraceOptions`, which `compare` and
/// `check` share: these views are the plain report's only.
struct ReportViewOptions: ParsableArguments {
    @Flag(help: ArgumentHelp(
        "Fold the text report's paths by directory: a directory holding more than 10 of a section's paths "
            + "becomes one line with a count. No effect on JSON."))
    var summary = false

    @Flag(help: ArgumentHelp(
        "Add the process tree: each process's pid, parent, argv, cwd, exit status, and the paths it read and "
            + "wrote (JSON key 'processes')."))
    var processes = false

    @Flag(help: ArgumentHelp(
        "After the report, print one line on stderr: how many times the command was stopped, by kind (the cost "
            + "of tracing, counted)."))
    var stats = false
}
