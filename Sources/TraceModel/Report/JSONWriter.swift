/// The one JSON writer: the trace report, `check`'s and `compare`'s are all written through it, so they share
/// one layout and one form for names.
///
/// Layout: each member of an object and each item of an array on a line of its own, two columns deeper than
/// its container (`[]` and `{}` when empty); `compact` objects on one line (`{"a": 1, "b": 2}`).
///
/// Names (paths, arguments, directories: any bytes a kernel accepts) keep the JSON strict Unicode (I-JSON,
/// RFC 7493: no lone surrogates, no noncharacters) and lossless. A name that is well-formed UTF-8 without a
/// noncharacter, and does not begin with `"`, is written as it is (JSON escapes for `"`, `\` and control
/// characters). Any other is written in the text report's quoted form (`"caf\xe9"`: `\\`, `\"`, `\n`, `\t`,
/// `\r`, `\xHH` for other control bytes, for bytes that are not UTF-8 and for noncharacters), a string that
/// begins with `"`, which no name written as it is can do; and the document's last key, `nameBytes`, maps each
/// such string to the name's exact bytes in lowercase hex.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var levels: [Level] = []
    /// The names written in the quoted form, in the order first written, for `nameBytes`.
    private var quotedNames: [(quoted: [UInt8], name: [UInt8])] = []
    private var seenQuoted: Set<[UInt8]> = []

    private struct Level {
        var isObject: Bool
        var compact: Bool
        var count = 0
    }

    /// The key of the object mapping each quoted name to its bytes.
    public static let nameBytesKey = "nameBytes"

    /// One JSON document: the object `members` writes, then `nameBytes`, then a newline.
    public static func document(_ members: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter()
        writer.object { writer in
            members(&writer)
            let names = writer.quotedNames
            writer.key(nameBytesKey)
            writer.object { writer in
                for (quoted, name) in names {
                    writer.key(quoted)
                    writer.literal(hex(name))
                }
            }
        }
        writer.bytes.append(UInt8(ascii: "\n"))
        return writer.bytes
    }

    // MARK: Structure

    /// An object as the next value; `compact` keeps it on one line.
    public mutating func object(compact: Bool = false, _ members: (inout JSONWriter) -> Void) {
        container(open: "{", close: "}", isObject: true, compact: compact, members)
    }

    /// An array as the next value.
    public mutating func array(_ items: (inout JSONWriter) -> Void) {
        container(open: "[", close: "]", isObject: false, compact: false, items)
    }

    /// A member's key: the value written next is its value.
    public mutating func key(_ name: String) { key(Array(name.utf8)) }

    private mutating func key(_ name: [UInt8]) {
        separate()
        Self.escape(name, into: &bytes)
        bytes += Array(": ".utf8)
    }

    // MARK: Members: a key and its value

    public mutating func member(_ key: String, name value: [UInt8]) {
        self.key(key)
        name(value)
    }

    public mutating func member(_ key: String, names value: [[UInt8]]) {
        self.key(key)
        names(value)
    }

    public mutating func member(_ key: String, string value: String) {
        self.key(key)
        string(value)
    }

    public mutating func member(_ key: String, strings value: [String]) {
        self.key(key)
        strings(value)
    }

    /// An integer, or `null` when nil.
    public mutating func member(_ key: String, number value: (some BinaryInteger)?) {
        self.key(key)
        raw(value.map { String($0) } ?? "null")
    }

    public mutating func member(_ key: String, bool value: Bool) {
        self.key(key)
        raw(value ? "true" : "false")
    }

    /// A string of the tool's own, or null.
    public mutating func member(_ key: String, optional value: String?) {
        if let value { member(key, string: value) } else { member(key, raw: "null") }
    }

    /// A number or literal already in JSON's syntax (`1.250`, `null`).
    public mutating func member(_ key: String, raw value: String) {
        self.key(key)
        raw(value)
    }

    // MARK: Values

    /// A name (a path, an argument, a directory), in the form the type's documentation gives.
    public mutating func name(_ name: [UInt8]) {
        separateItem()
        guard !Self.isVerbatim(name) else { return Self.escape(name, into: &bytes) }
        let quoted = Self.quoted(name)
        if seenQuoted.insert(quoted).inserted { quotedNames.append((quoted, name)) }
        Self.escape(quoted, into: &bytes)
    }

    /// An array of names.
    public mutating func names(_ names: [[UInt8]]) {
        array { writer in for name in names { writer.name(name) } }
    }

    /// Text of the tool's own (a task name, a pattern, a message): always a Swift string, so valid Unicode.
    public mutating func string(_ text: String) {
        separateItem()
        Self.escape(Array(text.utf8), into: &bytes)
    }

    public mutating func strings(_ texts: [String]) {
        array { writer in for text in texts { writer.string(text) } }
    }

    /// A number or literal already in JSON's syntax (`1.250`, `null`).
    public mutating func raw(_ literal: String) {
        separateItem()
        bytes += Array(literal.utf8)
    }

    private mutating func literal(_ text: String) {
        separateItem()
        Self.escape(Array(text.utf8), into: &bytes)
    }

    // MARK: Layout

    private mutating func container(open: Character, close: Character, isObject: Bool, compact: Bool,
                                    _ body: (inout JSONWriter) -> Void) {
        separateItem()
        bytes.append(UInt8(ascii: open.unicodeScalars.first!))
        levels.append(Level(isObject: isObject, compact: compact))
        body(&self)
        let level = levels.removeLast()
        if level.count > 0 && !level.compact { newline(depth: levels.count) }
        bytes.append(UInt8(ascii: close.unicodeScalars.first!))
    }

    /// Before an array item (a member's value follows its key, which separated it already).
    private mutating func separateItem() {
        guard let level = levels.last, !level.isObject else { return }
        separate()
    }

    private mutating func separate() {
        guard let last = levels.indices.last else { return }
        if levels[last].count > 0 { bytes.append(UInt8(ascii: ",")) }
        if levels[last].compact {
            if levels[last].count > 0 { bytes.append(UInt8(ascii: " ")) }
        } else {
            newline(depth: levels.count)
        }
        levels[last].count += 1
    }

    private mutating func newline(depth: Int) {
        bytes.append(UInt8(ascii: "\n"))
        bytes += repeatElement(UInt8(ascii: " "), count: 2 * depth)
    }

    // MARK: Forms

    /// Whether `name` is written as it is: well-formed UTF-8, no noncharacter, not beginning with `"`.
    public static func isVerbatim(_ name: [UInt8]) -> Bool {
        guard name.first != UInt8(ascii: "\"") else { return false }
        // Nearly every name is ASCII: one pass, and the UTF-8 scan only for the rest.
        guard name.contains(where: { $0 >= 0x80 }) else { return true }
        var index = 0
        while index < name.count {
            guard let (value, length) = UTF8Scan.decode(name[...], at: index), !UTF8Scan.isNoncharacter(value)
            else { return false }
            index += length
        }
        return true
    }

    /// The quoted form of a name that is not written as it is.
    public static func quoted(_ name: [UInt8]) -> [UInt8] { TextRenderer.quoted(name, escapingNoncharacters: true) }

    /// A JSON string literal for UTF-8 `text` (RFC 8259 escapes for `"`, `\` and control characters).
    static func escape(_ text: [UInt8], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case UInt8(ascii: "\n"): out += Array("\\n".utf8)
            case UInt8(ascii: "\t"): out += Array("\\t".utf8)
            case UInt8(ascii: "\r"): out += Array("\\r".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0..<0x20: out += hexEscape("\\u", UInt16(byte), width: 4)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Lowercase hex, two digits a byte.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
