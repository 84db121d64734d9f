import ArgumentParser

/// The version `iotrace-native --version` prints, and the man page carries. Changed by hand at each release;
/// the one place it is written down (README: Install).
let iotraceVersion = "0.13.0"

/// What a command-line tool is expected to answer at the top level, which argument-parser alone does not
/// give a command with a default subcommand.
enum TopLevel {
    /// `iotrace-native --help`: the overview, both usages, the default subcommand's arguments and options
    /// (what `help trace` shows), then the subcommands. Plain argument-parser would show only the subcommand
    /// list, hiding the options most runs use.
    static func help(columns: Int? = nil) -> String {
        let root = IOTrace.helpMessage(columns: columns).split(separator: "\n", omittingEmptySubsequences: false)
        let trace = Trace.helpMessage(columns: columns).split(separator: "\n", omittingEmptySubsequences: false)
        func section(_ lines: [Substring], from heading: String, to end: String? = nil) -> [Substring] {
            guard let start = lines.firstIndex(where: { $0.hasPrefix(heading) }) else { return [] }
            let stop = end.flatMap { end in lines[start...].firstIndex { $0.hasPrefix(end) } } ?? lines.endIndex
            var part = Array(lines[start..<stop])
            while part.last?.isEmpty == true { part.removeLast() }
            return part
        }
        let overview = section(root, from: "OVERVIEW:", to: "USAGE:")
        let usage: [Substring] = ["USAGE: iotrace-native [<options>] -- <COMMAND> ...",
                                  "       iotrace-native <subcommand> [<options>] -- <COMMAND> ..."]
        // The default subcommand's arguments and options (its own overview and usage are the ones above).
        var options = section(trace, from: "ARGUMENTS:")
        if let help = options.firstIndex(where: { $0.hasPrefix("  -h, --help") }) {
            options.insert("  --version               Show the version.", at: help)
        }
        let subcommands = section(root, from: "SUBCOMMANDS:")
        return [overview, usage, options, subcommands].map { $0.joined(separator: "\n") }.joined(separator: "\n\n")
            + "\n"
    }
}
