import TraceModel

/// Why one line of a strace log could not be read.
struct StraceParseError: Error, Equatable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// One line of a strace log, split into its pid column and what follows the timestamps.
struct StraceLine: Equatable {
    enum Body: Equatable {
        case blank
        /// `+++ exited with 0 +++`, `+++ killed by SIGKILL +++`, `+++ superseded by execve in pid N +++`.
        case processEnded
        /// `--- SIGCHLD {...} ---`, `[ Process PID=N runs in 32 bit mode. ]` and the like.
        case notice
        /// `NAME(ARGS) = RESULT`, or its first half up to ` <unfinished ...>` (which `text` leaves out).
        case call(name: [UInt8], text: [UInt8], unfinished: Bool)
        /// `<... NAME resumed>REST`: `rest` is what goes on from where the unfinished half stopped.
        case resumed(name: [UInt8], rest: [UInt8], unfinished: Bool)
    }

    var pid: TaskID?
    var body: Body

    static let unfinishedMarker = Array("<unfinished ...>".utf8)
    static let resumedPrefix = Array("<... ".utf8)

    static func parse(_ line: [UInt8]) throws(StraceParseError) -> StraceLine {
        var scanner = StraceScanner(line)
        scanner.skipSpaces()
        var pid: TaskID?
        // `-f -o FILE`: "1234  ". `-f` to stderr: "[pid  1234] " (the first task's lines have none).
        if scanner.consume("[pid") {
            scanner.skipSpaces()
            guard let value = scanner.decimal(), scanner.consume("]") else {
                throw StraceParseError("expected a pid after \"[pid\"")
            }
            pid = TaskID(truncatingIfNeeded: value)
        } else {
            // "1234 " is a pid; "12:34:56" and "1700000000.123456" are timestamps. `--decode-pids=comm`
            // writes "1234<make> ".
            let start = scanner.index
            if let value = scanner.decimal() {
                if scanner.peek() == UInt8(ascii: "<") {
                    scanner.index += 1
                    _ = try scanner.escaped(until: [UInt8(ascii: ">")])
                }
                if scanner.peek() == UInt8(ascii: " ") || scanner.peek() == UInt8(ascii: "\t") {
                    guard value <= Int64(Int32.max) else { throw StraceParseError("pid out of range") }
                    pid = TaskID(value)
                } else {
                    scanner.index = start
                }
            }
        }
        scanner.skipSpaces()
        // -t "12:34:56", -tt "12:34:56.123456", -ttt "1700000000.123456", -r "     0.000123".
        while let token = scanner.peekToken(), token.first.map(isDigit) == true,
              token.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }),
              token.contains(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) {
            scanner.index += token.count
            scanner.skipSpaces()
        }
        var end = line.count
        while end > scanner.index, line[end - 1] == UInt8(ascii: " ") || line[end - 1] == UInt8(ascii: "\r")
            || line[end - 1] == UInt8(ascii: "\t") {
            end -= 1
        }
        let body = Array(line[scanner.index..<end])
        return StraceLine(pid: pid, body: try classify(body))
    }

    private static func classify(_ body: [UInt8]) throws(StraceParseError) -> Body {
        if body.isEmpty { return .blank }
        if body.starts(with: "+++".utf8) { return .processEnded }
        if body.starts(with: "---".utf8) || body.starts(with: "[ ".utf8) { return .notice }
        var text = body
        let unfinished = text.ends(with: unfinishedMarker)
        if unfinished {
            text.removeLast(unfinishedMarker.count)
            while text.last == UInt8(ascii: " ") { text.removeLast() }
        }
        // A task that left a call without returning (killed, or detached) ends it with
        // " <unfinished ...>) = ?", on the call's own line or after "<... NAME resumed>": without the marker,
        // that is an ordinary call whose result is "?".
        text = removingInnerUnfinishedMarkers(text)
        if text.starts(with: resumedPrefix) {
            var scanner = StraceScanner(text)
            scanner.index = resumedPrefix.count
            guard let name = scanner.identifier(), scanner.consume(" resumed>") else {
                throw StraceParseError("expected \"<... NAME resumed>\"")
            }
            return .resumed(name: name, rest: Array(text[scanner.index...]), unfinished: unfinished)
        }
        var scanner = StraceScanner(text)
        guard let name = scanner.identifier(), scanner.peek() == UInt8(ascii: "(") else {
            throw StraceParseError("expected \"NAME(\" at the start of a call")
        }
        return .call(name: name, text: text, unfinished: unfinished)
    }
}

/// `text` without any " <unfinished ...>" directly followed by ")". Quoted strings are skipped, and -y escapes
/// `<` and `>` in the paths it decodes, so a marker found here is always strace's own.
private func removingInnerUnfinishedMarkers(_ text: [UInt8]) -> [UInt8] {
    let marker = StraceLine.unfinishedMarker + [UInt8(ascii: ")")]
    guard text.count >= marker.count else { return text }
    var out: [UInt8] = []
    out.reserveCapacity(text.count)
    var index = 0
    var inString = false
    while index < text.count {
        let byte = text[index]
        if inString {
            out.append(byte)
            if byte == UInt8(ascii: "\\"), index + 1 < text.count {
                out.append(text[index + 1])
                index += 2
                continue
            }
            if byte == UInt8(ascii: "\"") { inString = false }
            index += 1
            continue
        }
        if byte == UInt8(ascii: "\"") { inString = true }
        if byte == UInt8(ascii: "<"), text.count - index >= marker.count,
           text[index..<index + marker.count].elementsEqual(marker) {
            while out.last == UInt8(ascii: " ") { out.removeLast() }
            index += marker.count - 1  // keep the ")"
            continue
        }
        out.append(byte)
        index += 1
    }
    return out
}

/// A whole call's text, `NAME(ARGS) = RESULT`, decoded by the role its name has (`StraceLog.roles`): the
/// syscall table's argument shape gives the positions, as it does for the tracer's decoder.
struct StraceCallParser {
    struct Parsed {
        var directory: StraceLog.Directory
        var path: [UInt8]
        var truncated: Bool
        var flags: OpenFlags
        var target: StraceLog.PathArgument?
        var options: StraceLog.Options = []
        var outcome: StraceLog.Outcome

        var succeeded: Bool {
            if case .descriptor = outcome { return true }
            return false
        }
    }

    /// AT_EMPTY_PATH (fcntl.h), as the model declares it.
    static let atEmptyPath = UInt64(ArgumentShape.atEmptyPath)
    /// CLONE_FS (sched.h).
    static let cloneFS: UInt64 = 0x200
    /// Where the stat calls keep their AT_* flags, from the table's `untracedWhen` rows: with AT_EMPTY_PATH
    /// they are fstat of the dirfd, which the tracer's seccomp filter lets through untraced.
    static let statFlagsArgument: [String: Int] = {
        var positions: [String: Int] = [:]
        for abi in SyscallTable.native.abis {
            for row in abi.rows {
                if let untraced = row.untracedWhen, untraced == .emptyPath(flags: untraced.argument) {
                    positions[row.name] = untraced.argument
                }
            }
        }
        return positions
    }()

    /// nil when the path argument is not a string (`NULL`, an address): such a call fails with EFAULT.
    static func parse(_ role: StraceLog.Role, text: [UInt8], flagBits: OpenFlagBits)
        throws(StraceParseError) -> Parsed?
    {
        if case .table(let shape) = role {
            switch shape {
            case .open, .openHow, .create: return try parseOpen(shape, text: text, flagBits: flagBits)
            default: break
            }
        }
        let call = Arguments(try split(text))
        let readOnly = OpenFlags(accessMode: .readOnly)
        switch role {
        case .createProcess:
            // clone's flags=…, clone3's {flags=…}: the name is enough (numeric flags from -X raw are not read).
            let shares = call.arguments.contains { containsIdentifier($0, "CLONE_FS") }
            return Parsed(directory: .currentDirectory(decoded: nil), path: [], truncated: false, flags: readOnly,
                          options: shares ? .sharesDirectory : [], outcome: call.outcome)
        case .changeDirectory(let isDescriptor):
            if isDescriptor {
                return Parsed(directory: try call.directory(0), path: [], truncated: false, flags: readOnly,
                              outcome: call.outcome)
            }
            guard let path = try call.path(0) else { return nil }
            return Parsed(directory: .currentDirectory(decoded: nil), path: path.bytes, truncated: path.truncated,
                          flags: readOnly, outcome: call.outcome)
        case .table(let shape):
            return try parseTableCall(shape, call)
        }
    }

    /// One call's name, arguments (each still text) and outcome, with readers for the argument positions.
    struct Arguments {
        let name: String
        let arguments: [ArraySlice<UInt8>]
        let outcome: StraceLog.Outcome

        init(_ split: (name: String, arguments: [ArraySlice<UInt8>], outcome: StraceLog.Outcome)) {
            (name, arguments, outcome) = split
        }

        func argument(_ index: Int) throws(StraceParseError) -> StraceScanner {
            guard index < arguments.count else { throw StraceParseError("expected \(index + 1) arguments") }
            return StraceScanner(Array(arguments[index]))
        }

        /// A dirfd argument (`AT_FDCWD</cwd>`, `3</dir>`); nil index: the current directory, not shown.
        func directory(_ index: Int?) throws(StraceParseError) -> StraceLog.Directory {
            guard let index else { return .currentDirectory(decoded: nil) }
            var scanner = try argument(index)
            return try parseDirectory(&scanner)
        }

        func path(_ index: Int) throws(StraceParseError) -> (bytes: [UInt8], truncated: Bool)? {
            var scanner = try argument(index)
            return try parsePath(&scanner)
        }

        /// Whether the flags argument at `index` (when there is one) has `bit`, named `name` in strace's text.
        func flag(at index: Int?, _ name: String, _ bit: UInt64) throws(StraceParseError) -> Bool {
            guard let index, index < arguments.count else { return false }
            return try flagValue(arguments[index], names: [name: bit]) & bit != 0
        }
    }

    /// A call of the syscall table other than the open family, by its argument shape.
    static func parseTableCall(_ shape: ArgumentShape, _ call: Arguments) throws(StraceParseError) -> Parsed? {
        let readOnly = OpenFlags(accessMode: .readOnly)
        switch shape {
        case .path(let dirfdIndex, let pathIndex, _):
            guard let path = try call.path(pathIndex) else { return nil }
            let emptyPath = try call.flag(at: statFlagsArgument[call.name], "AT_EMPTY_PATH", atEmptyPath)
            return Parsed(directory: try call.directory(dirfdIndex), path: path.bytes, truncated: path.truncated,
                          flags: readOnly, options: emptyPath ? .emptyPath : [], outcome: call.outcome)
        case .descriptor(let fdIndex, _):
            return Parsed(directory: try call.directory(fdIndex), path: [], truncated: false, flags: readOnly,
                          outcome: call.outcome)
        case .rename(let fromDirfd, let fromIndex, let toDirfd, let toIndex, let flagsIndex):
            guard let from = try call.path(fromIndex), let to = try call.path(toIndex) else { return nil }
            let exchange = try call.flag(at: flagsIndex, "RENAME_EXCHANGE", ArgumentShape.renameExchange)
            return Parsed(directory: try call.directory(fromDirfd), path: from.bytes,
                          truncated: from.truncated || to.truncated, flags: readOnly,
                          target: StraceLog.PathArgument(directory: try call.directory(toDirfd), path: to.bytes),
                          options: exchange ? .exchange : [], outcome: call.outcome)
        case .open, .openHow, .create, .changesDirectories, .changeDirectory, .ringSetup, .clone, .clone3:
            // The open family is parsed apart; the other directory changes, and io_uring_setup, are not traced.
            return nil
        }
    }

    /// The open family, argument by argument: every position is checked, so a line that is not strace's is
    /// an issue rather than a guess.
    static func parseOpen(_ shape: ArgumentShape, text: [UInt8], flagBits: OpenFlagBits)
        throws(StraceParseError) -> Parsed?
    {
        var scanner = StraceScanner(text)
        guard scanner.identifier() != nil, scanner.consume("(") else { throw StraceParseError("expected NAME(") }
        var directory = StraceLog.Directory.currentDirectory(decoded: nil)
        switch shape {
        case .open(dirfd: .some, _, _), .openHow:
            directory = try parseDirectory(&scanner)
            try scanner.expectArgumentSeparator()
        default:
            break
        }
        let path = try parsePath(&scanner)
        try scanner.expectArgumentSeparator()
        let flags: OpenFlags
        switch shape {
        case .openHow:
            flags = try parseOpenHow(&scanner, flagBits: flagBits)
        case .create:
            flags = .creat
        default:
            flags = try parseFlags(&scanner, flagBits: flagBits, terminators: [UInt8(ascii: ","), UInt8(ascii: ")")])
        }
        // The mode, or openat2's size: nothing that matters, and never a ")" of its own.
        while let byte = scanner.peek(), byte != UInt8(ascii: ")") { scanner.index += 1 }
        guard scanner.consume(")") else { throw StraceParseError("expected \")\" after the arguments") }
        scanner.skipSpaces()
        guard scanner.consume("=") else { throw StraceParseError("expected \"= RESULT\" after the arguments") }
        scanner.skipSpaces()
        let outcome = try parseOutcome(&scanner)
        guard let path else { return nil }
        return Parsed(directory: directory, path: path.bytes, truncated: path.truncated, flags: flags,
                      outcome: outcome)
    }

    /// `NAME(A, B, …) = RESULT` split at its top-level commas: each argument's bytes (spaces trimmed), and the
    /// result. Strings, `-y`'s `<…>`, comments and bracketed structures (execve's argv, stat's struct,
    /// getdents's entries with -v, clone3's `{…} => {…}`) are skipped whole, whatever they hold.
    static func split(_ text: [UInt8]) throws(StraceParseError)
        -> (name: String, arguments: [ArraySlice<UInt8>], outcome: StraceLog.Outcome)
    {
        var scanner = StraceScanner(text)
        guard let name = scanner.identifier(), scanner.consume("(") else { throw StraceParseError("expected NAME(") }
        var arguments: [ArraySlice<UInt8>] = []
        var start = scanner.index
        var depth = 0
        func close(_ end: Int) {
            var slice = text[start..<end]
            while let first = slice.first, first == UInt8(ascii: " ") { slice = slice.dropFirst() }
            while let last = slice.last, last == UInt8(ascii: " ") { slice = slice.dropLast() }
            if !(slice.isEmpty && arguments.isEmpty && scanner.peek() == UInt8(ascii: ")")) { arguments.append(slice) }
        }
        scanning: while true {
            guard let byte = scanner.peek() else { throw StraceParseError("arguments that do not end") }
            switch byte {
            case UInt8(ascii: "\""):
                scanner.index += 1
                _ = try scanner.escaped(until: [UInt8(ascii: "\"")])
            case UInt8(ascii: "<"):
                _ = try parseDecodedPath(&scanner)
            case UInt8(ascii: "/") where scanner.index + 1 < text.count && text[scanner.index + 1] == UInt8(ascii: "*"):
                try skipComment(&scanner)
            case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                scanner.index += 1
            case UInt8(ascii: ")") where depth == 0:
                close(scanner.index)
                scanner.index += 1
                break scanning
            case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                scanner.index += 1
            case UInt8(ascii: ",") where depth == 0:
                close(scanner.index)
                scanner.index += 1
                start = scanner.index
            default:
                scanner.index += 1
            }
        }
        scanner.skipSpaces()
        guard scanner.consume("=") else { throw StraceParseError("expected \"= RESULT\" after the arguments") }
        scanner.skipSpaces()
        return (String(decoding: name, as: UTF8.self), arguments, try parseOutcome(&scanner))
    }

    /// `AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH`, `0`, `0x1000`, `RENAME_EXCHANGE`, `0x1000 /* AT_EMPTY_PATH */`:
    /// the numbers OR-ed with the values of the names in `names` (other names are bits nothing here reads).
    static func flagValue(_ text: ArraySlice<UInt8>, names: [String: UInt64]) throws(StraceParseError) -> UInt64 {
        var scanner = StraceScanner(Array(text))
        let raw = try flagUnion(&scanner, what: "flags") { names[String(decoding: $0, as: UTF8.self)] ?? 0 }
        guard scanner.peek() == nil else { throw StraceParseError("unexpected text after the flags") }
        return raw
    }

    /// Whether `text` holds `name` as a whole identifier outside strings.
    static func containsIdentifier(_ text: ArraySlice<UInt8>, _ name: String) -> Bool {
        var scanner = StraceScanner(Array(text))
        while let byte = scanner.peek() {
            if byte == UInt8(ascii: "\"") {
                scanner.index += 1
                guard (try? scanner.escaped(until: [UInt8(ascii: "\"")])) != nil else { return false }
            } else if let identifier = scanner.identifier() {
                if identifier.elementsEqual(name.utf8) { return true }
            } else {
                scanner.index += 1
            }
        }
        return false
    }

    /// `AT_FDCWD`, `AT_FDCWD</cwd>`, `3`, `3</dir>`, `-100` (`-X raw`).
    static func parseDirectory(_ scanner: inout StraceScanner) throws(StraceParseError) -> StraceLog.Directory {
        if scanner.consume("AT_FDCWD") {
            return .currentDirectory(decoded: try parseDecodedPath(&scanner))
        }
        guard let value = scanner.integer() else { throw StraceParseError("expected a dirfd") }
        // The kernel reads dirfd as an int; -100 is AT_FDCWD printed as a number (`-X raw`).
        let fd = Int32(truncatingIfNeeded: value)
        try skipComment(&scanner)
        let decoded = try parseDecodedPath(&scanner)
        return fd == ArgumentShape.atFDCWD ? .currentDirectory(decoded: decoded) : .descriptor(fd, decoded: decoded)
    }

    /// A path argument: a quoted string (maybe followed by `...` when strace truncated it), or nil for `NULL`
    /// and addresses.
    static func parsePath(_ scanner: inout StraceScanner) throws(StraceParseError)
        -> (bytes: [UInt8], truncated: Bool)?
    {
        if scanner.peek() == UInt8(ascii: "\"") {
            scanner.index += 1
            let bytes = try scanner.escaped(until: [UInt8(ascii: "\"")])
            let truncated = scanner.consume("...")
            return (bytes, truncated)
        }
        if scanner.consume("NULL") { return nil }
        if scanner.integer() != nil {
            try skipComment(&scanner)
            return nil
        }
        throw StraceParseError("expected a quoted path")
    }

    /// `-y`'s `<...>` after a descriptor, if there is one, with `(deleted)` after it skipped.
    static func parseDecodedPath(_ scanner: inout StraceScanner) throws(StraceParseError) -> [UInt8]? {
        guard scanner.consume("<") else { return nil }
        let bytes = try scanner.escaped(until: [UInt8(ascii: ">"), UInt8(ascii: "<")])
        if scanner.bytes[scanner.index - 1] == UInt8(ascii: "<") {
            // `-yy` on a device: `3</dev/null<char 1:3>>`. strace escapes `<` and `>` in the path itself, so
            // an unescaped `<` opens this annotation.
            _ = try scanner.escaped(until: [UInt8(ascii: ">")])
            guard scanner.consume(">") else { throw StraceParseError("expected \">\" after a descriptor's path") }
        }
        _ = scanner.consume("(deleted)")
        return bytes
    }

    /// `NAME|NAME|0x40`, then an optional `/* ... */`: each name's value (from `value`) and each number OR-ed.
    static func flagUnion(_ scanner: inout StraceScanner, what: String, value: ([UInt8]) -> UInt64)
        throws(StraceParseError) -> UInt64
    {
        var raw: UInt64 = 0
        repeat {
            scanner.skipSpaces()
            if let name = scanner.identifier() {
                raw |= value(name)
            } else if let number = scanner.integer() {
                raw |= UInt64(bitPattern: number)
            } else {
                throw StraceParseError("expected \(what)")
            }
            scanner.skipSpaces()
        } while scanner.consume("|")
        try skipComment(&scanner)
        return raw
    }

    /// `O_RDONLY|O_CLOEXEC`, `O_WRONLY|O_CREAT|O_TRUNC`, `O_RDONLY|0x40000000`, `0x80000 /* O_RDONLY|... */`.
    /// Names set their bits in `flagBits`' encoding and numbers are taken as they are, so that
    /// `OpenFlags(raw:bits:)` reads the whole as the kernel would. Names that do not matter are skipped.
    static func parseFlags(_ scanner: inout StraceScanner, flagBits: OpenFlagBits, terminators: [UInt8])
        throws(StraceParseError) -> OpenFlags
    {
        let raw = try flagUnion(&scanner, what: "open flags") { Self.flagValue($0, bits: flagBits) }
        guard let next = scanner.peek(), terminators.contains(next) else {
            throw StraceParseError("unexpected text after the open flags")
        }
        return OpenFlags(raw: raw, bits: flagBits)
    }

    /// `{flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_BENEATH}` or `{flags=..., mode=0600, resolve=0}`.
    static func parseOpenHow(_ scanner: inout StraceScanner, flagBits: OpenFlagBits) throws(StraceParseError)
        -> OpenFlags
    {
        guard scanner.consume("{") else {
            // NULL or an address: the call fails with EFAULT; the flags are never used.
            if scanner.consume("NULL") || scanner.integer() != nil { return OpenFlags(accessMode: .readOnly) }
            throw StraceParseError("expected openat2's {flags=...}")
        }
        var flags: OpenFlags?
        while !scanner.consume("}") {
            scanner.skipSpaces()
            // strace ends a struct with "..." when the caller's size holds more than it knows of.
            if scanner.consume("...") { continue }
            guard let field = scanner.identifier(), scanner.consume("=") else {
                throw StraceParseError("expected FIELD= in openat2's struct open_how")
            }
            if field.elementsEqual("flags".utf8) {
                flags = try parseFlags(&scanner, flagBits: flagBits,
                                       terminators: [UInt8(ascii: ","), UInt8(ascii: "}")])
            } else {
                while let byte = scanner.peek(), byte != UInt8(ascii: ","), byte != UInt8(ascii: "}") {
                    scanner.index += 1
                }
            }
            if scanner.peek() == nil { throw StraceParseError("openat2's struct open_how does not end") }
            _ = scanner.consume(",")
        }
        guard let flags else { throw StraceParseError("openat2's struct open_how has no flags") }
        return flags
    }

    /// `3`, `3</abs/path>`, `3</dir/#123>(deleted)`, `-1 ENOENT (No such file or directory)`, `?`,
    /// `? ERESTARTSYS (...)`. Whatever follows (`-T`'s `<0.000012>`) is not read.
    static func parseOutcome(_ scanner: inout StraceScanner) throws(StraceParseError) -> StraceLog.Outcome {
        if scanner.consume("?") { return .unknown }
        guard let value = scanner.integer() else { throw StraceParseError("expected a return value") }
        if value < 0 {
            scanner.skipSpaces()
            let name = scanner.identifier().map { String(decoding: $0, as: UTF8.self) } ?? ""
            return .failed(name)
        }
        guard value <= Int64(Int32.max) else { throw StraceParseError("a descriptor out of range") }
        return .descriptor(Int32(value), decoded: try parseDecodedPath(&scanner))
    }

    /// `-X verbose`'s ` /* O_RDONLY|O_CLOEXEC */` after a raw number.
    static func skipComment(_ scanner: inout StraceScanner) throws(StraceParseError) {
        let start = scanner.index
        scanner.skipSpaces()
        guard scanner.consume("/*") else {
            scanner.index = start
            return
        }
        while !scanner.consume("*/") {
            guard scanner.peek() != nil else { throw StraceParseError("a comment that does not end") }
            scanner.index += 1
        }
        scanner.skipSpaces()
    }

    /// The value of an open flag's name in `bits`' encoding; 0 for names classification does not read.
    /// O_ACCMODE, O_CREAT and O_TRUNC are the same on every ABI (see `OpenFlags.init(raw:bits:)`).
    static func flagValue(_ name: [UInt8], bits: OpenFlagBits) -> UInt64 {
        switch String(decoding: name, as: UTF8.self) {
        case "O_WRONLY": return 1
        case "O_RDWR": return 2
        case "O_ACCMODE": return 3
        case "O_CREAT": return OpenFlags.createBit
        case "O_TRUNC": return OpenFlags.truncateBit
        case "O_DIRECTORY": return bits.directory
        case "O_PATH": return bits.path
        // strace names the two bits together O_TMPFILE, and the bare bit (which fails with EINVAL) __O_TMPFILE.
        case "O_TMPFILE": return bits.tmpfile | bits.directory
        case "__O_TMPFILE": return bits.tmpfile
        default: return 0
        }
    }
}

/// A cursor over the bytes of a line.
struct StraceScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpaces() {
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
    }

    /// Consumes `literal` if the bytes at the cursor are it.
    mutating func consume(_ literal: String) -> Bool {
        let utf8 = literal.utf8
        guard bytes.count - index >= utf8.count, bytes[index..<index + utf8.count].elementsEqual(utf8) else {
            return false
        }
        index += utf8.count
        return true
    }

    /// The bytes up to the next space, without consuming them; nil at the end.
    func peekToken() -> ArraySlice<UInt8>? {
        guard index < bytes.count else { return nil }
        var end = index
        while end < bytes.count, bytes[end] != UInt8(ascii: " "), bytes[end] != UInt8(ascii: "\t") { end += 1 }
        return bytes[index..<end]
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`.
    mutating func identifier() -> [UInt8]? {
        guard let first = peek(), isLetter(first) || first == UInt8(ascii: "_") else { return nil }
        let start = index
        while let byte = peek(), isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") { index += 1 }
        return Array(bytes[start..<index])
    }

    /// Decimal digits.
    mutating func decimal() -> Int64? {
        let start = index
        var value: Int64 = 0
        while let byte = peek(), isDigit(byte) {
            let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = product.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 {
                index = start
                return nil
            }
            value = sum
            index += 1
        }
        return index == start ? nil : value
    }

    /// An optionally negative C integer literal: decimal, `0x` hex or `0` octal. Hex above Int64.max wraps
    /// (flags printed as 0xffffffff... are bit patterns).
    mutating func integer() -> Int64? {
        let start = index
        let negative = consume("-")
        var magnitude: UInt64 = 0
        var digits = 0
        var radix: UInt64 = 10
        if consume("0x") || consume("0X") {
            radix = 16
        } else if peek() == UInt8(ascii: "0") {
            radix = 8
        }
        while let byte = peek(), let digit = digitValue(byte), digit < radix {
            let (product, overflow1) = magnitude.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = product.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else {
                index = start
                return nil
            }
            magnitude = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else {
            index = start
            return nil
        }
        let value = Int64(bitPattern: magnitude)
        return negative ? 0 &- value : value
    }

    /// The bytes of a C-escaped string up to the first unescaped byte of `terminators`, which is consumed.
    /// strace writes `\\`, `\"`, `\n`, `\t` and friends, octal `\1`–`\377` and, with `-x`/`-xx`, `\xHH`.
    mutating func escaped(until terminators: [UInt8]) throws(StraceParseError) -> [UInt8] {
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else { throw StraceParseError("a string that does not end") }
            index += 1
            if terminators.contains(byte) { return out }
            if byte != UInt8(ascii: "\\") {
                out.append(byte)
                continue
            }
            guard let escape = peek() else { throw StraceParseError("a string that ends in \\") }
            index += 1
            switch escape {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "?"):
                out.append(escape)
            case UInt8(ascii: "x"):
                var value: UInt64 = 0
                var count = 0
                while count < 2, let next = peek(), let digit = digitValue(next), digit < 16 {
                    value = value * 16 + digit
                    count += 1
                    index += 1
                }
                guard count > 0 else { throw StraceParseError("\\x without hex digits") }
                out.append(UInt8(value))
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = UInt64(escape - UInt8(ascii: "0"))
                var count = 1
                while count < 3, let next = peek(), next >= UInt8(ascii: "0"), next <= UInt8(ascii: "7") {
                    value = value * 8 + UInt64(next - UInt8(ascii: "0"))
                    count += 1
                    index += 1
                }
                guard value <= 0xFF else { throw StraceParseError("an octal escape above \\377") }
                out.append(UInt8(value))
            default:
                throw StraceParseError("an unknown escape \\\(Unicode.Scalar(escape))")
            }
        }
    }

    mutating func expectArgumentSeparator() throws(StraceParseError) {
        skipSpaces()
        guard consume(",") else { throw StraceParseError("expected \",\" between arguments") }
        skipSpaces()
    }
}

@inline(__always) private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

@inline(__always) private func isLetter(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
}

@inline(__always) private func digitValue(_ byte: UInt8) -> UInt64? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(byte - UInt8(ascii: "A") + 10)
    default: return nil
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
