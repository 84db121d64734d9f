/// UTF-8 well-formedness, per byte sequence (Unicode 15, table 3-7): no overlong forms, no surrogates,
/// nothing above U+10FFFF.
public enum UTF8Scan {
    /// The length of the well-formed sequence starting at `index`, or nil when the byte there starts none.
    static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int? { decode(bytes[...], at: index)?.length }

    /// The scalar and length of the well-formed sequence starting at `index`, or nil when the byte there
    /// starts none.
    public static func decode(_ bytes: ArraySlice<UInt8>, at index: Int) -> (value: UInt32, length: Int)? {
        let lead = bytes[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return nil
        }
        guard index + length <= bytes.endIndex else { return nil }
        let second = bytes[index + 1]
        guard second >= low && second <= high else { return nil }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (value, length)
    }

    /// U+FDD0...U+FDEF and the last two code points of every plane: valid scalars that I-JSON (RFC 7493)
    /// still keeps out of strings.
    static func isNoncharacter(_ value: UInt32) -> Bool {
        (0xFDD0...0xFDEF).contains(value) || value & 0xFFFE == 0xFFFE
    }

    static func isValid(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            guard let length = sequenceLength(bytes, at: index) else { return false }
            index += length
        }
        return true
    }
}

/// `PREFIX` and `value` in lowercase hex, zero-padded to `width` digits (`\x0a`, `\u001f`).
func hexEscape(_ prefix: String, _ value: some BinaryInteger, width: Int) -> [UInt8] {
    let digits = String(value, radix: 16)
    return Array((prefix + String(repeating: "0", count: max(0, width - digits.count)) + digits).utf8)
}
