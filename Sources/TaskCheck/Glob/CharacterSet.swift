import TraceModel

/// A bracket expression, `[...]`: one character from a set, or (negated) one character not in it.
struct CharacterSet: Equatable, Sendable {
    enum Item: Equatable, Sendable {
        case scalar(UInt32)
        case range(UInt32, UInt32)
        case posix(PosixClass)
    }

    /// The POSIX classes inside brackets (`[[:digit:]]`), with their ASCII meaning as picomatch gives them.
    enum PosixClass: String, Sendable {
        case alnum, alpha, ascii, blank, cntrl, digit, graph, lower, print, punct, space, upper, word, xdigit

        func contains(_ value: UInt32) -> Bool {
            guard value < 0x80 else { return false }
            let c = UInt8(value)
            let isDigit = (0x30...0x39).contains(c)
            let isUpper = (0x41...0x5A).contains(c)
            let isLower = (0x61...0x7A).contains(c)
            switch self {
            case .alnum: return isDigit || isUpper || isLower
            case .alpha: return isUpper || isLower
            case .ascii: return true
            case .blank: return c == 0x20 || c == 0x09
            case .cntrl: return c < 0x20 || c == 0x7F
            case .digit: return isDigit
            case .graph: return c > 0x20 && c < 0x7F
            case .lower: return isLower
            case .print: return c >= 0x20 && c < 0x7F
            case .punct: return c > 0x20 && c < 0x7F && !(isDigit || isUpper || isLower)
            case .space: return c == 0x20 || (0x09...0x0D).contains(c)
            case .upper: return isUpper
            case .word: return isDigit || isUpper || isLower || c == 0x5F
            case .xdigit: return isDigit || (0x41...0x46).contains(c) || (0x61...0x66).contains(c)
            }
        }
    }

    var negated: Bool
    var items: [Item]

    /// Whether one character (a Unicode scalar value, or U+DC00 + byte for a byte that is not UTF-8) is in
    /// the set. A `/` never is: brackets match within a segment.
    func contains(_ value: UInt32) -> Bool {
        if value == 0x2F { return false }
        let found = items.contains { item in
            switch item {
            case .scalar(let scalar): return scalar == value
            case .range(let low, let high): return low <= value && value <= high
            case .posix(let posix): return posix.contains(value)
            }
        }
        return found != negated
    }

    /// Parses the bracket expression whose `[` is at `start`; returns it and the index of its `]`, or nil
    /// when there is no closing `]` (the `[` is then a literal character).
    static func parse(_ scalars: [Unicode.Scalar], openingAt start: Int) -> (CharacterSet, Int)? {
        var index = start + 1
        var negated = false
        if index < scalars.count, scalars[index] == "!" || scalars[index] == "^" {
            negated = true
            index += 1
        }
        var items: [Item] = []
        var first = true
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "]" && !first { return (CharacterSet(negated: negated, items: items), index) }
            first = false
            // [:class:]
            if scalar == "[", index + 1 < scalars.count, scalars[index + 1] == ":" {
                if let close = findPosixEnd(scalars, from: index + 2) {
                    let name = String(String.UnicodeScalarView(scalars[(index + 2)..<close]))
                    if let posix = PosixClass(rawValue: name) {
                        items.append(.posix(posix))
                        index = close + 2
                        continue
                    }
                }
            }
            var low = scalar.value
            if scalar == "\\", index + 1 < scalars.count {
                index += 1
                low = scalars[index].value
            }
            // a-z (a `-` first or last is literal)
            if index + 2 < scalars.count, scalars[index + 1] == "-", scalars[index + 2] != "]" {
                var highIndex = index + 2
                if scalars[highIndex] == "\\", highIndex + 1 < scalars.count { highIndex += 1 }
                let high = scalars[highIndex].value
                if low <= high { items.append(.range(low, high)) }
                index = highIndex + 1
                continue
            }
            items.append(.scalar(low))
            index += 1
        }
        return nil
    }

    private static func findPosixEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start
        while index + 1 < scalars.count {
            if scalars[index] == ":" && scalars[index + 1] == "]" { return index }
            if !(scalars[index].properties.isLowercase) { return nil }
            index += 1
        }
        return nil
    }
}

/// Characters in a path's bytes: a well-formed UTF-8 sequence is one character, any other byte is one on its
/// own (valued U+DC00 + byte, as Python's surrogateescape does: a value no well-formed character has).
enum UTF8Character {
    static func length(_ bytes: ArraySlice<UInt8>, at index: Int) -> Int { decode(bytes, at: index).length }

    static func decode(_ bytes: ArraySlice<UInt8>, at index: Int) -> (value: UInt32, length: Int) {
        UTF8Scan.decode(bytes, at: index) ?? (0xDC00 + UInt32(bytes[index]), 1)
    }

    static func isValid(_ bytes: [UInt8]) -> Bool {
        let slice = bytes[...]
        var index = 0
        while index < bytes.count {
            let (value, length) = decode(slice, at: index)
            if length == 1 && value >= 0xDC80 && value <= 0xDCFF { return false }
            index += length
        }
        return true
    }
}
