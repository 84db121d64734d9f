import ArgumentParser
import PtraceEngine

/// The plain trace's usual command line, read without argument-parser: `[OPTIONS] -- COMMAND [ARGS...]` with
/// each option as a separate word and its value in the next one.
///
/// Why: argument-parser finds a command's options by reflection (Mirror over the property wrappers, Decodable,
/// dynamic casts), and each type and protocol the Swift runtime is asked about for the first time makes it scan
/// every protocol conformance record of the static binary, linearly: 54 scans and much demangling before a
/// trace could start, the larger part of the tracer's own start-up. Read here, the same line costs a tenth of it.
///
/// One behaviour: this reads only what argument-parser reads the same way, and answers nil for everything else,
/// which then goes through argument-parser as before: a subcommand, `--help`, `--version`, `--name=value`, `-oFILE`,
/// an unknown or hidden option, an option given twice (`--ignore` may repeat), a value that starts with `-` (but
/// `-` itself), a value its type does not take, a line without `--`, or one that fails validation. So every error
/// line and exit status still comes from argument-parser and the same `validate()`. Tests hold each line this
/// takes against argument-parser's parse of it, field by field (CommonTraceLineTests).
enum CommonTraceLine {
    /// The plain trace `arguments` (without the program's name) ask for, or nil to let argument-parser read them.
    static func parse(_ arguments: [String]) -> Trace? {
        guard let terminator = arguments.firstIndex(of: "--") else { return nil }
        var options = TraceOptions.defaults()
        var views = ReportViewOptions.defaults()
        var given: Set<String> = []
        var words = arguments[..<terminator]
        while let word = words.popFirst() {
            // -o and --output are one option: given twice, argument-parser decides.
            let option = word == "-o" ? "--output" : word
            guard option == "--ignore" || given.insert(option).inserted else { return nil }
            switch option {
            case "--no-default-ignores": options.noDefaultIgnores = true
            case "--no-seccomp": options.noSeccomp = true
            case "--allow-io-uring": options.allowIoUring = true
            case "--summary": views.summary = true
            case "--processes": views.processes = true
            case "--stats": views.stats = true
            default:
                // argument-parser reads a word that starts with a dash (but `-` alone) as an option, not a value.
                guard let value = words.popFirst(), value == "-" || value.utf8.first != UInt8(ascii: "-") else {
                    return nil
                }
                switch option {
                case "--workspace": options.workspace = value
                case "--output": options.output = value
                case "--events": options.events = value
                case "--ignore": options.ignore.append(value)
                case "--format":
                    guard let format = ReportFormat(argument: value) else { return nil }
                    options.format = format
                case "--engine":
                    guard let engine = EngineChoice(argument: value) else { return nil }
                    options.engine = engine
                case "--decoding":
                    guard let decoding = DecodingChoice(argument: value) else { return nil }
                    options.decoding = decoding
                case "--poll-window":
                    guard let microseconds = Int(argument: value) else { return nil }
                    options.pollWindow = microseconds
                default: return nil
                }
            }
        }
        var trace = Trace()
        trace.options = options
        trace.views = views
        trace.command = Array(arguments[(terminator + 1)...])
        do {
            try options.validate()
            try views.validate()
            try trace.validate()
        } catch {
            return nil
        }
        return trace
    }
}

extension TraceOptions {
    /// Every option at its default, as argument-parser leaves an option not given (its property wrappers,
    /// made by `init()` alone, hold no value until one is assigned).
    static func defaults() -> TraceOptions {
        var options = TraceOptions()
        options.workspace = nil
        options.format = .text
        options.output = nil
        options.ignore = []
        options.noDefaultIgnores = false
        options.engine = .auto
        options.ringBufferBytes = nil
        options.noSeccomp = false
        options.decoding = .syscallInfo
        options.allowIoUring = false
        options.pollWindow = TraceConfiguration.defaultPollMicroseconds
        options.events = nil
        return options
    }
}

extension ReportViewOptions {
    /// Every view off, as argument-parser leaves them when none is given.
    static func defaults() -> ReportViewOptions {
        var views = ReportViewOptions()
        views.summary = false
        views.processes = false
        views.stats = false
        return views
    }
}
