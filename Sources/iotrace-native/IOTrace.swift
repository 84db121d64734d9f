import ArgumentParser

/// The command line's root: its subcommands, `trace` the default.
struct IOTrace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iotrace-native",
        abstract: "Run a command and report which workspace files it read and wrote.",
        discussion: """
            Follows every process and thread the command starts (an eBPF program in the kernel, or ptrace; no \
            strace needed). The command's stdin, stdout and stderr are its own; the report goes to stderr \
            unless --output says otherwise.
            Exit status: the command's own; 128+N if it was killed by signal N; 127 if not found; 126 if not \
            executable; 125 if the tracer itself failed.
            """,
        version: iotraceVersion,
        // Each names itself (commandName): otherwise argument-parser derives the name at every start from
        // String(describing:) of the type, whose casts and Mirror have the Swift runtime scan every protocol
        // conformance record of the static binary, linearly, for each type and protocol not asked before
        // (naming them took a plain trace's start from 67 such scans to 54).
        subcommands: [Trace.self, Compare.self, Check.self],
        defaultSubcommand: Trace.self)
}
